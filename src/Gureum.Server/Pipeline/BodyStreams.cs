using Gureum.Auth;
using Gureum.Protocols.Wire;

namespace Gureum.Server.Pipeline;

/// <summary>Wraps a streaming request body so its encoding and signature are checked as it is read.</summary>
internal static class BodyStreams
{
    public static Stream Open(Stream body, WireRequest wire, AuthResult auth)
    {
        switch (auth.Payload)
        {
            case PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer or PayloadMode.StreamingUnsignedTrailer:
                long? decoded = long.TryParse(wire.Headers["x-amz-decoded-content-length"], out var length) ? length : null;
                return new AwsChunkedDecodingStream(body, auth.Payload, auth.ChunkSigning, decoded, leaveOpen: true);
            case PayloadMode.Signed when auth.DeclaredPayloadSha256 is { } sha && !auth.PayloadHashVerified:
                return new Sha256VerifyingStream(body, sha, leaveOpen: true);
            default:
                return body;
        }
    }
}
