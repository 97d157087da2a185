using Gureum.Protocols.Cbor;
using Gureum.Protocols.Json;
using Gureum.Protocols.Rest;
using Gureum.Server.Pipeline;

namespace Gureum.Server;

/// <summary>Registers the JSON, REST and CBOR protocol families.</summary>
internal static class ProtocolSetup
{
    public static void AddAll(ProtocolRegistry protocols)
    {
        protocols.Add(new JsonProtocol());
        protocols.Add(new RestJsonProtocol());
        protocols.Add(new RestXmlProtocol());
        protocols.Add(new RpcV2CborProtocol());
    }
}
