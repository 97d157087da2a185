namespace Gureum.Services.Kms;

/// <summary>Entry points for the unit tests of the hand-written primitives (SHA-224 has no .NET implementation).</summary>
public static class KmsTestHooks
{
    public static byte[] Sha224(byte[] data) => Kms.Sha224.Hash(data);

    public static byte[] Mac(string keySpec, byte[] key, byte[] message) => KeySpecs.Mac(keySpec, key, message);
}
