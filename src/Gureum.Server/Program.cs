using Gureum.Server;

// gureum start [options]: serve the local AWS cloud until Ctrl+C / SIGTERM.
var arguments = args.Length > 0 && args[0] == "start" ? args[1..] : args;
if (arguments.Contains("--help") || arguments.Contains("-h"))
{
    Console.WriteLine(ServerOptions.Usage);
    return 0;
}
ServerOptions options;
try
{
    options = ServerOptions.Parse(arguments, Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"gureum: {e.Message}\n\n{ServerOptions.Usage}");
    return 2;
}

GureumHost host;
try
{
    host = GureumHost.Create(options);
    await host.StartAsync();
}
catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or Gureum.Storage.StoreFormatException)
{
    await Console.Error.WriteLineAsync($"gureum: cannot start: {e.Message}");
    return 1;
}
await Console.Out.WriteLineAsync($"gureum: ready on {host.Url} ({(options.InMemory ? "in-memory" : "data in " + options.DataDir)}, account {options.Account}, region {options.Region}, auth {options.Auth.ToString().ToLowerInvariant()})");
await host.WaitForShutdownAsync();
await host.DisposeAsync();
return 0;
