using System.Security.Cryptography;
using Gureum.Api.Kms;

namespace Gureum.Services.Kms;

/// <summary>What each KeySpec allows (usages and algorithms, in AWS's order), and how its material is made.</summary>
internal static class KeySpecs
{
    public const string Symmetric = "SYMMETRIC_DEFAULT";

    private static readonly string[] RsaSigning =
    [
        "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    ];

    private static readonly string[] RsaEncryption = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

    public static bool IsRsa(string spec) => spec.StartsWith("RSA_", StringComparison.Ordinal);
    public static bool IsEcc(string spec) => spec.StartsWith("ECC_", StringComparison.Ordinal);
    public static bool IsHmac(string spec) => spec.StartsWith("HMAC_", StringComparison.Ordinal);
    public static bool IsAsymmetric(string spec) => IsRsa(spec) || IsEcc(spec);

    public static bool IsKnown(string spec) => spec is Symmetric or "RSA_2048" or "RSA_3072" or "RSA_4096"
        or "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" or "ECC_SECG_P256K1"
        or "HMAC_224" or "HMAC_256" or "HMAC_384" or "HMAC_512";

    public static string[] Usages(string spec) =>
        spec == Symmetric ? ["ENCRYPT_DECRYPT"]
        : IsRsa(spec) ? ["ENCRYPT_DECRYPT", "SIGN_VERIFY"]
        : spec == "ECC_SECG_P256K1" ? ["SIGN_VERIFY"]
        : IsEcc(spec) ? ["SIGN_VERIFY", "KEY_AGREEMENT"]
        : IsHmac(spec) ? ["GENERATE_VERIFY_MAC"]
        : [];

    public static List<string>? EncryptionAlgorithms(string spec, string usage) =>
        usage != "ENCRYPT_DECRYPT" ? null : spec == Symmetric ? [Symmetric] : [.. RsaEncryption];

    public static List<string>? SigningAlgorithms(string spec, string usage) =>
        usage != "SIGN_VERIFY" ? null
        : IsRsa(spec) ? [.. RsaSigning]
        : spec is "ECC_NIST_P384" ? ["ECDSA_SHA_384"]
        : spec is "ECC_NIST_P521" ? ["ECDSA_SHA_512"]
        : ["ECDSA_SHA_256"];

    public static List<string>? MacAlgorithms(string spec) => IsHmac(spec) ? ["HMAC_SHA_" + spec[5..]] : null;

    public static List<string>? KeyAgreementAlgorithms(string usage) => usage == "KEY_AGREEMENT" ? ["ECDH"] : null;

    public static ECCurve Curve(string spec) => spec switch
    {
        "ECC_NIST_P256" => ECCurve.NamedCurves.nistP256,
        "ECC_NIST_P384" => ECCurve.NamedCurves.nistP384,
        "ECC_NIST_P521" => ECCurve.NamedCurves.nistP521,
        "ECC_SECG_P256K1" => ECCurve.CreateFromFriendlyName("secp256k1"),
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    public static int RsaBits(string spec) => int.Parse(spec.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>New key material: raw bytes for symmetric and HMAC keys, PKCS#8 DER for asymmetric keys.</summary>
    public static byte[] NewMaterial(string spec)
    {
        if (spec == Symmetric)
        {
            return RandomNumberGenerator.GetBytes(32);
        }
        if (IsHmac(spec))
        {
            return RandomNumberGenerator.GetBytes(int.Parse(spec.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture) / 8);
        }
        if (IsRsa(spec))
        {
            using var rsa = RSA.Create(RsaBits(spec));
            return rsa.ExportPkcs8PrivateKey();
        }
        using var ec = ECDsa.Create(Curve(spec));
        return ec.ExportPkcs8PrivateKey();
    }

    /// <summary>DER SubjectPublicKeyInfo of an asymmetric key's material.</summary>
    public static byte[] PublicKey(string spec, byte[] pkcs8)
    {
        if (IsRsa(spec))
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return rsa.ExportSubjectPublicKeyInfo();
        }
        using var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(pkcs8, out _);
        return ec.ExportSubjectPublicKeyInfo();
    }

    /// <summary>Data key pair specs (GenerateDataKeyPair): the same generators as the key specs.</summary>
    public static string? PairSpecToKeySpec(string pairSpec) =>
        pairSpec is "RSA_2048" or "RSA_3072" or "RSA_4096" or "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" or "ECC_SECG_P256K1"
            ? pairSpec : null;

    public static HashAlgorithmName SigningHash(string algorithm) => algorithm[^3..] switch
    {
        "256" => HashAlgorithmName.SHA256,
        "384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    public static int HashLength(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;

    public static byte[] Hash(HashAlgorithmName hash, byte[] data) =>
        hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data) : SHA512.HashData(data);

    public static byte[] Mac(string spec, byte[] key, byte[] message) => spec switch
    {
        "HMAC_224" => HmacSha224(key, message),
        "HMAC_256" => HMACSHA256.HashData(key, message),
        "HMAC_384" => HMACSHA384.HashData(key, message),
        _ => HMACSHA512.HashData(key, message),
    };

    /// <summary>HMAC-SHA-224 (RFC 4231) — .NET has no SHA-224, so it is built on a portable SHA-224.</summary>
    private static byte[] HmacSha224(byte[] key, byte[] message)
    {
        const int block = 64;
        if (key.Length > block)
        {
            key = Sha224.Hash(key);
        }
        var padded = new byte[block];
        key.CopyTo(padded, 0);
        var inner = new byte[block + message.Length];
        var outer = new byte[block + 28];
        for (var i = 0; i < block; i++)
        {
            inner[i] = (byte)(padded[i] ^ 0x36);
            outer[i] = (byte)(padded[i] ^ 0x5c);
        }
        message.CopyTo(inner, block);
        Sha224.Hash(inner).CopyTo(outer, block);
        return Sha224.Hash(outer);
    }
}
