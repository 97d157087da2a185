using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Gureum.Api.Kms;
using Gureum.Core;

namespace Gureum.Services.Kms;

public sealed partial class KmsProvider
{
    private const byte CiphertextVersion = 1;

    // ---------------------------------------------------------------- symmetric envelope

    /// <summary>
    /// AAD of a symmetric ciphertext: the key id, the material id and the encryption context (pairs sorted by
    /// key, each length-prefixed), so a ciphertext decrypts only under its own key with its own context.
    /// </summary>
    private static byte[] Aad(string keyId, string materialId, Dictionary<string, string>? context)
    {
        using var buffer = new MemoryStream();
        void Write(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }
        Write("gureum-kms-v1");
        Write(keyId);
        Write(materialId);
        foreach (var (k, v) in (context ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Write(k);
            Write(v);
        }
        return buffer.ToArray();
    }

    /// <summary>version(1) | key id length(1) | key id | material id(32) | nonce(12) | tag(16) | ciphertext.</summary>
    private byte[] SealSymmetric(KeyRecord key, byte[] plaintext, Dictionary<string, string>? context)
    {
        var material = key.Current;
        var keyId = Encoding.ASCII.GetBytes(key.KeyId);
        var header = 2 + keyId.Length + 32;
        var blob = new byte[header + 12 + 16 + plaintext.Length];
        blob[0] = CiphertextVersion;
        blob[1] = (byte)keyId.Length;
        keyId.CopyTo(blob, 2);
        Convert.FromHexString(material.Id).CopyTo(blob, 2 + keyId.Length);
        RandomNumberGenerator.Fill(blob.AsSpan(header, 12));
        var secret = Material(key, material);
        try
        {
            using var gcm = new AesGcm(secret, 16);
            gcm.Encrypt(blob.AsSpan(header, 12), plaintext, blob.AsSpan(header + 28), blob.AsSpan(header + 12, 16), Aad(key.KeyId, material.Id, context));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        return blob;
    }

    private readonly record struct Envelope(string KeyId, string MaterialId, int Header);

    private static Envelope? ParseEnvelope(byte[] blob)
    {
        if (blob.Length < 2 || blob[0] != CiphertextVersion)
        {
            return null;
        }
        var idLength = blob[1];
        var header = 2 + idLength + 32;
        if (idLength is 0 or > 64 || blob.Length < header + 28)
        {
            return null;
        }
        var keyId = Encoding.ASCII.GetString(blob, 2, idLength);
        foreach (var c in keyId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return null;
            }
        }
        return new Envelope(keyId, Convert.ToHexStringLower(blob, 2 + idLength, 32), header);
    }

    private static InvalidCiphertextException InvalidCiphertext() => new("");

    /// <summary>The model leaves CiphertextBlob optional (Recipient/DryRun variants); KMS still needs it.</summary>
    private static byte[] RequireCiphertext(byte[]? blob) => blob ?? throw new AwsServiceException("ValidationException",
        "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null", 400);

    private byte[] OpenSymmetric(KeyRecord key, Envelope envelope, byte[] blob, Dictionary<string, string>? context, out string materialId)
    {
        var material = key.Materials.Find(m => m.Id == envelope.MaterialId) ?? throw InvalidCiphertext();
        var secret = Material(key, material);
        var plaintext = new byte[blob.Length - envelope.Header - 28];
        try
        {
            using var gcm = new AesGcm(secret, 16);
            gcm.Decrypt(blob.AsSpan(envelope.Header, 12), blob.AsSpan(envelope.Header + 28), blob.AsSpan(envelope.Header + 12, 16), plaintext,
                Aad(key.KeyId, material.Id, context));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw InvalidCiphertext();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        materialId = material.Id;
        return plaintext;
    }

    // ---------------------------------------------------------------- RSA encryption

    private static RSAEncryptionPadding OaepPadding(string algorithm) =>
        algorithm == "RSAES_OAEP_SHA_1" ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;

    private RSA Rsa(KeyRecord key)
    {
        var pkcs8 = Material(key, key.Current);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
        return rsa;
    }

    /// <summary>The algorithm for an encryption with <paramref name="key"/>, checked against its spec and usage.</summary>
    private static string EncryptionAlgorithm(KeyRecord key, string? requested, string operation)
    {
        if (key.KeyUsage != "ENCRYPT_DECRYPT")
        {
            throw UsageNotValid(key, operation);
        }
        var algorithm = requested ?? "SYMMETRIC_DEFAULT";
        if (!KeySpecs.EncryptionAlgorithms(key.KeySpec, key.KeyUsage)!.Contains(algorithm))
        {
            throw AlgorithmNotValid(key, algorithm);
        }
        return algorithm;
    }

    private byte[] EncryptWith(KeyRecord key, string algorithm, byte[] plaintext, Dictionary<string, string>? context)
    {
        if (key.KeySpec == KeySpecs.Symmetric)
        {
            return SealSymmetric(key, plaintext, context);
        }
        using var rsa = Rsa(key);
        var max = rsa.KeySize / 8 - (algorithm == "RSAES_OAEP_SHA_1" ? 42 : 66);
        if (plaintext.Length > max)
        {
            throw Validation($"Plaintext size {plaintext.Length} bytes exceeds the maximum of {max} bytes for {key.KeySpec} with {algorithm}.");
        }
        return rsa.Encrypt(plaintext, OaepPadding(algorithm));
    }

    /// <summary>Decrypts with the key the request names, or (symmetric ciphertexts) the key the blob names.</summary>
    private async Task<(KeyRecord Key, byte[] Plaintext, string Algorithm, string MaterialId)> DecryptBlobAsync(
        RequestContext context, byte[] blob, string? keyId, string? algorithm, Dictionary<string, string>? encryptionContext, string operation, CancellationToken ct)
    {
        KeyRecord? named = keyId is null ? null : await FindAsync(context, keyId, ct).ConfigureAwait(false);
        if (named is not null && named.KeySpec != KeySpecs.Symmetric)
        {
            RequireEnabled(named);
            var alg = EncryptionAlgorithm(named, algorithm, operation);
            if (alg == "SYMMETRIC_DEFAULT")
            {
                throw AlgorithmNotValid(named, alg);
            }
            using var rsa = Rsa(named);
            try
            {
                return (named, rsa.Decrypt(blob, OaepPadding(alg)), alg, named.Current.Id);
            }
            catch (CryptographicException)
            {
                throw InvalidCiphertext();
            }
        }
        var envelope = ParseEnvelope(blob) ?? throw InvalidCiphertext();
        if (named is not null && named.KeyId != envelope.KeyId)
        {
            throw new IncorrectKeyException("The key ID in the request does not identify a CMK that can perform this operation.");
        }
        var key = named ?? await FindAsync(context, envelope.KeyId, ct).ConfigureAwait(false);
        RequireEnabled(key);
        if (key.KeyUsage != "ENCRYPT_DECRYPT")
        {
            throw UsageNotValid(key, operation);
        }
        if (algorithm is not null and not "SYMMETRIC_DEFAULT")
        {
            throw AlgorithmNotValid(key, algorithm);
        }
        var plaintext = OpenSymmetric(key, envelope, blob, encryptionContext, out var materialId);
        return (key, plaintext, "SYMMETRIC_DEFAULT", materialId);
    }

    // ---------------------------------------------------------------- operations

    public override async ValueTask<EncryptResponse> EncryptAsync(RequestContext context, EncryptRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        RequireEnabled(key);
        var algorithm = EncryptionAlgorithm(key, request.EncryptionAlgorithm, "Encrypt");
        return new EncryptResponse
        {
            CiphertextBlob = EncryptWith(key, algorithm, request.Plaintext!, request.EncryptionContext),
            KeyId = key.Arn,
            EncryptionAlgorithm = algorithm,
        };
    }

    public override async ValueTask<DecryptResponse> DecryptAsync(RequestContext context, DecryptRequest request, CancellationToken cancellationToken)
    {
        var (key, plaintext, algorithm, materialId) = await DecryptBlobAsync(context, RequireCiphertext(request.CiphertextBlob), request.KeyId,
            request.EncryptionAlgorithm, request.EncryptionContext, "Decrypt", cancellationToken).ConfigureAwait(false);
        return new DecryptResponse
        {
            KeyId = key.Arn,
            Plaintext = plaintext,
            EncryptionAlgorithm = algorithm,
            KeyMaterialId = key.KeySpec == KeySpecs.Symmetric ? materialId : null,
        };
    }

    public override async ValueTask<ReEncryptResponse> ReEncryptAsync(RequestContext context, ReEncryptRequest request, CancellationToken cancellationToken)
    {
        var (source, plaintext, sourceAlgorithm, sourceMaterial) = await DecryptBlobAsync(context, RequireCiphertext(request.CiphertextBlob), request.SourceKeyId,
            request.SourceEncryptionAlgorithm, request.SourceEncryptionContext, "ReEncrypt", cancellationToken).ConfigureAwait(false);
        var destination = await FindAsync(context, request.DestinationKeyId, cancellationToken).ConfigureAwait(false);
        RequireEnabled(destination);
        var algorithm = EncryptionAlgorithm(destination, request.DestinationEncryptionAlgorithm, "ReEncrypt");
        return new ReEncryptResponse
        {
            CiphertextBlob = EncryptWith(destination, algorithm, plaintext, request.DestinationEncryptionContext),
            SourceKeyId = source.Arn,
            KeyId = destination.Arn,
            SourceEncryptionAlgorithm = sourceAlgorithm,
            DestinationEncryptionAlgorithm = algorithm,
            SourceKeyMaterialId = source.KeySpec == KeySpecs.Symmetric ? sourceMaterial : null,
            DestinationKeyMaterialId = destination.KeySpec == KeySpecs.Symmetric ? destination.Current.Id : null,
        };
    }

    /// <summary>The symmetric encryption key a data-key operation needs.</summary>
    private async Task<KeyRecord> DataKeyKeyAsync(RequestContext context, string? keyId, string operation, CancellationToken ct)
    {
        var key = await FindAsync(context, keyId, ct).ConfigureAwait(false);
        RequireEnabled(key);
        if (key.KeyUsage != "ENCRYPT_DECRYPT")
        {
            throw UsageNotValid(key, operation);
        }
        if (key.KeySpec != KeySpecs.Symmetric)
        {
            throw SpecNotValid(key, operation);
        }
        return key;
    }

    private static int DataKeyLength(string? keySpec, int? numberOfBytes)
    {
        if ((keySpec is null) == (numberOfBytes is null))
        {
            throw Validation("Please specify either number of bytes or key spec.");
        }
        return numberOfBytes ?? (keySpec == "AES_128" ? 16 : 32);
    }

    public override async ValueTask<GenerateDataKeyResponse> GenerateDataKeyAsync(RequestContext context, GenerateDataKeyRequest request, CancellationToken cancellationToken)
    {
        var length = DataKeyLength(request.KeySpec, request.NumberOfBytes);
        var key = await DataKeyKeyAsync(context, request.KeyId, "GenerateDataKey", cancellationToken).ConfigureAwait(false);
        var plaintext = RandomNumberGenerator.GetBytes(length);
        return new GenerateDataKeyResponse
        {
            CiphertextBlob = SealSymmetric(key, plaintext, request.EncryptionContext),
            Plaintext = plaintext,
            KeyId = key.Arn,
            KeyMaterialId = key.Current.Id,
        };
    }

    public override async ValueTask<GenerateDataKeyWithoutPlaintextResponse> GenerateDataKeyWithoutPlaintextAsync(RequestContext context, GenerateDataKeyWithoutPlaintextRequest request, CancellationToken cancellationToken)
    {
        var length = DataKeyLength(request.KeySpec, request.NumberOfBytes);
        var key = await DataKeyKeyAsync(context, request.KeyId, "GenerateDataKeyWithoutPlaintext", cancellationToken).ConfigureAwait(false);
        var plaintext = RandomNumberGenerator.GetBytes(length);
        var blob = SealSymmetric(key, plaintext, request.EncryptionContext);
        CryptographicOperations.ZeroMemory(plaintext);
        return new GenerateDataKeyWithoutPlaintextResponse { CiphertextBlob = blob, KeyId = key.Arn, KeyMaterialId = key.Current.Id };
    }

    private (byte[] Private, byte[] Public) NewKeyPair(string pairSpec)
    {
        var spec = KeySpecs.PairSpecToKeySpec(pairSpec)
            ?? throw new UnsupportedOperationException($"KeyPairSpec {pairSpec} is not supported by Gureum.");
        var pkcs8 = KeySpecs.NewMaterial(spec);
        return (pkcs8, KeySpecs.PublicKey(spec, pkcs8));
    }

    public override async ValueTask<GenerateDataKeyPairResponse> GenerateDataKeyPairAsync(RequestContext context, GenerateDataKeyPairRequest request, CancellationToken cancellationToken)
    {
        var key = await DataKeyKeyAsync(context, request.KeyId, "GenerateDataKeyPair", cancellationToken).ConfigureAwait(false);
        var (privateKey, publicKey) = NewKeyPair(request.KeyPairSpec!);
        return new GenerateDataKeyPairResponse
        {
            PrivateKeyCiphertextBlob = SealSymmetric(key, privateKey, request.EncryptionContext),
            PrivateKeyPlaintext = privateKey,
            PublicKey = publicKey,
            KeyId = key.Arn,
            KeyPairSpec = request.KeyPairSpec,
            KeyMaterialId = key.Current.Id,
        };
    }

    public override async ValueTask<GenerateDataKeyPairWithoutPlaintextResponse> GenerateDataKeyPairWithoutPlaintextAsync(RequestContext context, GenerateDataKeyPairWithoutPlaintextRequest request, CancellationToken cancellationToken)
    {
        var key = await DataKeyKeyAsync(context, request.KeyId, "GenerateDataKeyPairWithoutPlaintext", cancellationToken).ConfigureAwait(false);
        var (privateKey, publicKey) = NewKeyPair(request.KeyPairSpec!);
        var blob = SealSymmetric(key, privateKey, request.EncryptionContext);
        CryptographicOperations.ZeroMemory(privateKey);
        return new GenerateDataKeyPairWithoutPlaintextResponse
        {
            PrivateKeyCiphertextBlob = blob,
            PublicKey = publicKey,
            KeyId = key.Arn,
            KeyPairSpec = request.KeyPairSpec,
            KeyMaterialId = key.Current.Id,
        };
    }

    public override ValueTask<GenerateRandomResponse> GenerateRandomAsync(RequestContext context, GenerateRandomRequest request, CancellationToken cancellationToken)
    {
        if (request.NumberOfBytes is not { } count)
        {
            throw Validation("1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null");
        }
        return ValueTask.FromResult(new GenerateRandomResponse { Plaintext = RandomNumberGenerator.GetBytes(count) });
    }

    // ---------------------------------------------------------------- signatures

    private static void CheckSigning(KeyRecord key, string algorithm, string operation)
    {
        RequireEnabled(key);
        if (key.KeyUsage != "SIGN_VERIFY")
        {
            throw UsageNotValid(key, operation);
        }
        if (!KeySpecs.SigningAlgorithms(key.KeySpec, key.KeyUsage)!.Contains(algorithm))
        {
            throw AlgorithmNotValid(key, algorithm);
        }
    }

    private static byte[] Digest(string algorithm, byte[] message, string? messageType)
    {
        var hash = KeySpecs.SigningHash(algorithm);
        if (messageType == "DIGEST")
        {
            if (message.Length != KeySpecs.HashLength(hash))
            {
                throw Validation($"Digest is invalid length for algorithm {algorithm}.");
            }
            return message;
        }
        return KeySpecs.Hash(hash, message);
    }

    private static RSASignaturePadding RsaPadding(string algorithm) =>
        algorithm.StartsWith("RSASSA_PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    private ECDsa Ecdsa(KeyRecord key)
    {
        var pkcs8 = Material(key, key.Current);
        var ec = ECDsa.Create();
        try
        {
            ec.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
        return ec;
    }

    public override async ValueTask<SignResponse> SignAsync(RequestContext context, SignRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        var algorithm = request.SigningAlgorithm!;
        CheckSigning(key, algorithm, "Sign");
        var digest = Digest(algorithm, request.Message!, request.MessageType);
        byte[] signature;
        if (KeySpecs.IsRsa(key.KeySpec))
        {
            using var rsa = Rsa(key);
            signature = rsa.SignHash(digest, KeySpecs.SigningHash(algorithm), RsaPadding(algorithm));
        }
        else
        {
            using var ec = Ecdsa(key);
            signature = ec.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
        }
        return new SignResponse { KeyId = key.Arn, Signature = signature, SigningAlgorithm = algorithm };
    }

    public override async ValueTask<VerifyResponse> VerifyAsync(RequestContext context, VerifyRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        var algorithm = request.SigningAlgorithm!;
        CheckSigning(key, algorithm, "Verify");
        var digest = Digest(algorithm, request.Message!, request.MessageType);
        bool valid;
        try
        {
            if (KeySpecs.IsRsa(key.KeySpec))
            {
                using var rsa = Rsa(key);
                valid = rsa.VerifyHash(digest, request.Signature!, KeySpecs.SigningHash(algorithm), RsaPadding(algorithm));
            }
            else
            {
                using var ec = Ecdsa(key);
                valid = ec.VerifyHash(digest, request.Signature!, DSASignatureFormat.Rfc3279DerSequence);
            }
        }
        catch (CryptographicException)
        {
            valid = false;
        }
        if (!valid)
        {
            throw new KMSInvalidSignatureException("");
        }
        return new VerifyResponse { KeyId = key.Arn, SignatureValid = true, SigningAlgorithm = algorithm };
    }

    public override async ValueTask<GetPublicKeyResponse> GetPublicKeyAsync(RequestContext context, GetPublicKeyRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        RequireEnabled(key);
        if (!KeySpecs.IsAsymmetric(key.KeySpec))
        {
            throw new UnsupportedOperationException($"{key.Arn} key usage is {key.KeyUsage} which is not valid for GetPublicKey.");
        }
        var pkcs8 = Material(key, key.Current);
        try
        {
            return new GetPublicKeyResponse
            {
                KeyId = key.Arn,
                PublicKey = KeySpecs.PublicKey(key.KeySpec, pkcs8),
                CustomerMasterKeySpec = key.KeySpec,
                KeySpec = key.KeySpec,
                KeyUsage = key.KeyUsage,
                EncryptionAlgorithms = KeySpecs.EncryptionAlgorithms(key.KeySpec, key.KeyUsage),
                SigningAlgorithms = KeySpecs.SigningAlgorithms(key.KeySpec, key.KeyUsage),
                KeyAgreementAlgorithms = KeySpecs.KeyAgreementAlgorithms(key.KeyUsage),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    // ---------------------------------------------------------------- MACs

    private async Task<(KeyRecord Key, byte[] Mac)> MacAsync(RequestContext context, string? keyId, string algorithm, byte[] message, string operation, CancellationToken ct)
    {
        var key = await FindAsync(context, keyId, ct).ConfigureAwait(false);
        RequireEnabled(key);
        if (key.KeyUsage != "GENERATE_VERIFY_MAC")
        {
            throw UsageNotValid(key, operation);
        }
        if (!KeySpecs.MacAlgorithms(key.KeySpec)!.Contains(algorithm))
        {
            throw AlgorithmNotValid(key, algorithm);
        }
        var secret = Material(key, key.Current);
        try
        {
            return (key, KeySpecs.Mac(key.KeySpec, secret, message));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public override async ValueTask<GenerateMacResponse> GenerateMacAsync(RequestContext context, GenerateMacRequest request, CancellationToken cancellationToken)
    {
        var (key, mac) = await MacAsync(context, request.KeyId, request.MacAlgorithm!, request.Message!, "GenerateMac", cancellationToken).ConfigureAwait(false);
        return new GenerateMacResponse { Mac = mac, MacAlgorithm = request.MacAlgorithm, KeyId = key.Arn };
    }

    public override async ValueTask<VerifyMacResponse> VerifyMacAsync(RequestContext context, VerifyMacRequest request, CancellationToken cancellationToken)
    {
        var (key, mac) = await MacAsync(context, request.KeyId, request.MacAlgorithm!, request.Message!, "VerifyMac", cancellationToken).ConfigureAwait(false);
        if (!CryptographicOperations.FixedTimeEquals(mac, request.Mac!))
        {
            throw new KMSInvalidMacException("");
        }
        return new VerifyMacResponse { KeyId = key.Arn, MacValid = true, MacAlgorithm = request.MacAlgorithm };
    }
}
