using System.Globalization;
using Gureum.Auth;

namespace Gureum.Server;

/// <summary>Start-up options: command line first, then GUREUM_* environment variables, then defaults.</summary>
public sealed class ServerOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 4566;

    public string DataDir { get; set; } = Path.Combine(Environment.CurrentDirectory, ".gureum");

    public bool InMemory { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string Account { get; set; } = "000000000000";

    public AuthMode Auth { get; set; } = AuthMode.Known;

    public string? CredentialsFile { get; set; }

    public bool Quiet { get; set; }

    public const string Usage = """
        usage: gureum start [options]
          --host HOST            address to listen on (GUREUM_HOST, default 127.0.0.1)
          --port PORT            port (GUREUM_PORT, default 4566)
          --data-dir DIR         durable state directory (GUREUM_DATA_DIR, default ./.gureum)
          --in-memory            keep all state in memory (GUREUM_IN_MEMORY=1)
          --region REGION        default region (GUREUM_REGION, default us-east-1)
          --account ID           default 12-digit account id (GUREUM_ACCOUNT, default 000000000000)
          --auth MODE            strict | known | off (GUREUM_AUTH, default known)
          --credentials-file F   JSON list of identities (GUREUM_CREDENTIALS_FILE)
          --quiet                no per-request log lines (GUREUM_QUIET=1)
        """;

    private static readonly HashSet<string> KnownOptions = new(StringComparer.Ordinal)
    {
        "host", "port", "data-dir", "in-memory", "region", "account", "auth", "credentials-file", "quiet",
    };

    /// <summary>Parses options; throws <see cref="ArgumentException"/> with a clear message when invalid.</summary>
    public static ServerOptions Parse(string[] args, Func<string, string?> env)
    {
        var options = new ServerOptions();
        options.Apply("host", env("GUREUM_HOST"));
        options.Apply("port", env("GUREUM_PORT"));
        options.Apply("data-dir", env("GUREUM_DATA_DIR"));
        options.Apply("in-memory", env("GUREUM_IN_MEMORY") is "1" or "true" ? "true" : null);
        options.Apply("region", env("GUREUM_REGION"));
        options.Apply("account", env("GUREUM_ACCOUNT"));
        options.Apply("auth", env("GUREUM_AUTH"));
        options.Apply("credentials-file", env("GUREUM_CREDENTIALS_FILE"));
        options.Apply("quiet", env("GUREUM_QUIET") is "1" or "true" ? "true" : null);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
            var name = arg[2..];
            string? value;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (!KnownOptions.Contains(name))
            {
                throw new ArgumentException($"unknown option --{name}");
            }
            else if (name is "in-memory" or "quiet")
            {
                value = "true";
            }
            else
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"option --{name} needs a value");
                }
                value = args[++i];
            }
            options.Apply(name, value, fromCommandLine: true);
        }
        return options;
    }

    private void Apply(string name, string? value, bool fromCommandLine = false)
    {
        if (value is null)
        {
            return;
        }
        switch (name)
        {
            case "host":
                Host = value.Length > 0 ? value : throw new ArgumentException("--host must not be empty");
                break;
            case "port":
                Port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
                    ? port
                    : throw new ArgumentException($"--port must be a number from 1 to 65535, not '{value}'");
                break;
            case "data-dir":
                DataDir = value.Length > 0 ? Path.GetFullPath(value) : throw new ArgumentException("--data-dir must not be empty");
                break;
            case "in-memory":
                InMemory = value != "false";
                break;
            case "region":
                Region = System.Text.RegularExpressions.Regex.IsMatch(value, "^[a-z]{2}(-[a-z]+)+-\\d+$")
                    ? value
                    : throw new ArgumentException($"--region must look like an AWS region (e.g. us-east-1), not '{value}'");
                break;
            case "account":
                Account = value.Length == 12 && value.All(char.IsAsciiDigit)
                    ? value
                    : throw new ArgumentException($"--account must be 12 digits, not '{value}'");
                break;
            case "auth":
                Auth = value.ToLowerInvariant() switch
                {
                    "strict" => AuthMode.Strict,
                    "known" => AuthMode.Known,
                    "off" => AuthMode.Off,
                    _ => throw new ArgumentException($"--auth must be strict, known or off, not '{value}'"),
                };
                break;
            case "credentials-file":
                CredentialsFile = File.Exists(value) ? Path.GetFullPath(value) : throw new ArgumentException($"--credentials-file '{value}' does not exist");
                break;
            case "quiet":
                Quiet = value != "false";
                break;
            default:
                throw new ArgumentException(fromCommandLine ? $"unknown option --{name}" : $"unknown setting {name}");
        }
    }
}
