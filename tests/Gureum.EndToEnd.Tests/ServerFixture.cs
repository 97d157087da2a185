using Gureum.Server;

namespace Gureum.EndToEnd.Tests;

/// <summary>An in-memory Gureum server on a free port, shared by the tests of a class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private GureumHost? _host;

    public ManualClock Clock { get; } = new();

    public string Url => _host!.Url;

    public async Task InitializeAsync()
    {
        _host = GureumHost.Create(new ServerOptions { Port = 0, InMemory = true, Quiet = true }, Clock);
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
