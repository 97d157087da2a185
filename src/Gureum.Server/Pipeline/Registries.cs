using Gureum.Core;
using Gureum.Protocols;

namespace Gureum.Server.Pipeline;

/// <summary>The wire protocols the server speaks, by model protocol name.</summary>
public sealed class ProtocolRegistry
{
    private readonly Dictionary<string, IProtocol> _protocols = new(StringComparer.Ordinal);

    public void Add(IProtocol protocol) => _protocols[protocol.Name] = protocol;

    public IProtocol? Find(string name) => _protocols.GetValueOrDefault(name);

    public IEnumerable<string> Names => _protocols.Keys;
}

/// <summary>The service providers, by model name. A service without one answers NotImplemented.</summary>
public sealed class ServiceRegistry
{
    private readonly Dictionary<string, IServiceDispatcher> _services = new(StringComparer.Ordinal);

    public void Add(IServiceDispatcher service) => _services[service.ServiceName] = service;

    public IServiceDispatcher? Find(string name) => _services.GetValueOrDefault(name);

    public IEnumerable<string> Names => _services.Keys;

    public IEnumerable<IServiceDispatcher> All => _services.Values;
}
