using System.Globalization;

namespace Gureum.LoadDriver;

internal sealed class Options
{
    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:4566/");
    public string Scenario { get; private set; } = "sts-get-caller-identity";
    public int Connections { get; private set; } = 64;
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(2);
    public string AccessKey { get; private set; } = "test";
    public string SecretKey { get; private set; } = "test";
    public string? SessionToken { get; private set; }
    public string Region { get; private set; } = "us-east-1";
    public string? JsonPath { get; private set; }
    public int? RssPid { get; private set; }
    public string? ColdStartCommand { get; private set; }
    public int Runs { get; private set; } = 5;
    public TimeSpan ColdStartTimeout { get; private set; } = TimeSpan.FromSeconds(60);
    public int PollIntervalMs { get; private set; } = 1;
    public bool NoLoad { get; private set; }
    public bool SelfTest { get; private set; }
    public bool ListScenarios { get; private set; }
    public bool Help { get; private set; }

    public const string Usage = """
        Gureum.LoadDriver — load and cold-start measurements for any AWS-compatible endpoint.

        Load:        --endpoint URL --scenario NAME --connections N --duration 10s [--warmup 2s]
                     [--access-key test --secret-key test --session-token T --region us-east-1]
                     [--rss-pid PID] [--json out.json]
        Cold start:  --cold-start "<command line>" [--runs 5] [--cold-start-timeout 60s]
                     [--poll-interval-ms 1] [--no-load] (+ the load options for the last run's load phase)
        Other:       --list-scenarios | --self-test | --help

        Durations: 500ms, 10s, 2m, or a plain number of seconds.
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--endpoint":
                    string e = Next();
                    o.Endpoint = new Uri(e.EndsWith('/') || new Uri(e).AbsolutePath.Length > 1 ? e : e + "/");
                    break;
                case "--scenario": o.Scenario = Next(); break;
                case "--connections": o.Connections = PositiveInt(a, Next()); break;
                case "--duration": o.Duration = ParseDuration(Next()); break;
                case "--warmup": o.Warmup = ParseDuration(Next()); break;
                case "--access-key": o.AccessKey = Next(); break;
                case "--secret-key": o.SecretKey = Next(); break;
                case "--session-token": o.SessionToken = Next(); break;
                case "--region": o.Region = Next(); break;
                case "--json": o.JsonPath = Next(); break;
                case "--rss-pid": o.RssPid = PositiveInt(a, Next()); break;
                case "--cold-start": o.ColdStartCommand = Next(); break;
                case "--runs": o.Runs = PositiveInt(a, Next()); break;
                case "--cold-start-timeout": o.ColdStartTimeout = ParseDuration(Next()); break;
                case "--poll-interval-ms": o.PollIntervalMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--no-load": o.NoLoad = true; break;
                case "--self-test": o.SelfTest = true; break;
                case "--list-scenarios": o.ListScenarios = true; break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"unknown argument {a}");
            }
        }

        return o;
    }

    private static int PositiveInt(string name, string value)
    {
        int n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{name} must be positive");
    }

    internal static TimeSpan ParseDuration(string s)
    {
        s = s.Trim().ToLowerInvariant();
        static double Num(string n) => double.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (s.EndsWith("ms", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(Num(s[..^2]));
        }

        if (s.EndsWith('s'))
        {
            return TimeSpan.FromSeconds(Num(s[..^1]));
        }

        if (s.EndsWith('m'))
        {
            return TimeSpan.FromMinutes(Num(s[..^1]));
        }

        return TimeSpan.FromSeconds(Num(s));
    }
}

internal static class Format
{
    public static string KiB(long? kib) => kib is long k ? $"{k / 1024.0:F1} MiB" : "n/a";

    public static string Micros(long us) => us >= 10_000 ? $"{us / 1000.0:F1} ms" : us >= 1000 ? $"{us / 1000.0:F2} ms" : $"{us} µs";
}
