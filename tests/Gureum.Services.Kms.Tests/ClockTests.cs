using System.Text;
using Gureum.Api.Kms;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Kms.Tests;

/// <summary>A clock the tests move by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>Time-dependent KMS behaviour (scheduled deletion, automatic rotation), driven by moving the clock.</summary>
public sealed class ClockTests
{
    private readonly ManualClock _clock = new();
    private readonly KmsProvider _kms;
    private readonly CancellationToken _ct = CancellationToken.None;

    public ClockTests()
    {
        var (state, _) = StorageFactory.InMemory();
        _kms = new KmsProvider(state, _clock, dataDir: null);
    }

    private RequestContext Context() => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Service = "kms",
        Operation = "test",
        AccountId = "000000000000",
        Region = "us-east-1",
        ReceivedAt = _clock.GetUtcNow(),
        Clock = _clock,
        Caller = new CallerIdentity("test", "000000000000", "arn:aws:iam::000000000000:root", "000000000000", "Root", null),
        BaseUrl = "http://localhost:4566",
    };

    private async Task<KeyMetadata> CreateAsync() => (await _kms.CreateKeyAsync(Context(), new CreateKeyRequest(), _ct)).KeyMetadata!;

    [Fact]
    public async Task KeyIsDeletedWhenThePendingWindowEnds()
    {
        var key = await CreateAsync();
        await _kms.CreateAliasAsync(Context(), new CreateAliasRequest { AliasName = "alias/doomed", TargetKeyId = key.KeyId }, _ct);
        var scheduled = await _kms.ScheduleKeyDeletionAsync(Context(), new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, _ct);
        Assert.InRange(Math.Abs(_clock.GetUtcNow().AddDays(7).ToUnixTimeSeconds() - scheduled.DeletionDate!.Value.ToUnixTimeSeconds()), 0, 2);

        _clock.Offset += TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);
        var described = await _kms.DescribeKeyAsync(Context(), new DescribeKeyRequest { KeyId = key.KeyId }, _ct);
        Assert.Equal("PendingDeletion", described.KeyMetadata!.KeyState);

        _clock.Offset += TimeSpan.FromMinutes(2);
        var error = await Assert.ThrowsAsync<NotFoundException>(() => _kms.DescribeKeyAsync(Context(), new DescribeKeyRequest { KeyId = key.KeyId }, _ct).AsTask());
        Assert.Equal($"Key '{key.Arn}' does not exist", error.Message);
        var keys = await _kms.ListKeysAsync(Context(), new ListKeysRequest(), _ct);
        Assert.Empty(keys.Keys!);
        var aliases = await _kms.ListAliasesAsync(Context(), new ListAliasesRequest(), _ct);
        Assert.Empty(aliases.Aliases!);
    }

    [Fact]
    public async Task AutomaticRotationHappensOnThePeriodAndOldCiphertextsStillDecrypt()
    {
        var key = await CreateAsync();
        await _kms.EnableKeyRotationAsync(Context(), new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, _ct);
        var old = await _kms.EncryptAsync(Context(), new EncryptRequest { KeyId = key.KeyId, Plaintext = Encoding.UTF8.GetBytes("old") }, _ct);

        _clock.Offset += TimeSpan.FromDays(89);
        Assert.Empty((await _kms.ListKeyRotationsAsync(Context(), new ListKeyRotationsRequest { KeyId = key.KeyId }, _ct)).Rotations!);

        _clock.Offset += TimeSpan.FromDays(92); // past two rotation dates
        var rotations = (await _kms.ListKeyRotationsAsync(Context(), new ListKeyRotationsRequest { KeyId = key.KeyId }, _ct)).Rotations!;
        Assert.Equal(2, rotations.Count);
        Assert.All(rotations, r => Assert.Equal("AUTOMATIC", r.RotationType));
        Assert.InRange(Math.Abs(key.CreationDate!.Value.AddDays(90).ToUnixTimeSeconds() - rotations[0].RotationDate!.Value.ToUnixTimeSeconds()), 0, 2);

        var status = await _kms.GetKeyRotationStatusAsync(Context(), new GetKeyRotationStatusRequest { KeyId = key.KeyId }, _ct);
        Assert.InRange(Math.Abs(key.CreationDate!.Value.AddDays(270).ToUnixTimeSeconds() - status.NextRotationDate!.Value.ToUnixTimeSeconds()), 0, 2);

        var decrypted = await _kms.DecryptAsync(Context(), new DecryptRequest { CiphertextBlob = old.CiphertextBlob }, _ct);
        Assert.Equal("old", Encoding.UTF8.GetString(decrypted.Plaintext!));
        var fresh = await _kms.EncryptAsync(Context(), new EncryptRequest { KeyId = key.KeyId, Plaintext = [1, 2, 3] }, _ct);
        var freshDecrypted = await _kms.DecryptAsync(Context(), new DecryptRequest { CiphertextBlob = fresh.CiphertextBlob }, _ct);
        Assert.Equal(rotations[1].KeyMaterialId, freshDecrypted.KeyMaterialId);
        Assert.NotEqual(decrypted.KeyMaterialId, freshDecrypted.KeyMaterialId);
    }

    [Fact]
    public void Sha224MatchesTheFipsTestVectors()
    {
        // FIPS 180-4 examples ("abc" and the 448-bit message) and RFC 4231 test case 2 for HMAC-SHA-224.
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
            Convert.ToHexStringLower(Sha224Probe("abc")));
        Assert.Equal("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
            Convert.ToHexStringLower(Sha224Probe("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")));
    }

    [Fact]
    public async Task HmacSha224MatchesRfc4231()
    {
        // KMS generates its own HMAC key material, so the RFC vector is checked against the portable implementation
        // through GenerateMac/VerifyMac consistency plus the SHA-224 vectors above; here: same message, same MAC.
        var key = (await _kms.CreateKeyAsync(Context(), new CreateKeyRequest { KeySpec = "HMAC_224", KeyUsage = "GENERATE_VERIFY_MAC" }, _ct)).KeyMetadata!;
        var mac1 = await _kms.GenerateMacAsync(Context(), new GenerateMacRequest { KeyId = key.KeyId, Message = [1, 2], MacAlgorithm = "HMAC_SHA_224" }, _ct);
        var mac2 = await _kms.GenerateMacAsync(Context(), new GenerateMacRequest { KeyId = key.KeyId, Message = [1, 2], MacAlgorithm = "HMAC_SHA_224" }, _ct);
        Assert.Equal(28, mac1.Mac!.Length);
        Assert.Equal(mac1.Mac, mac2.Mac);
        Assert.Equal("a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
            Convert.ToHexStringLower(HmacProbe(Encoding.ASCII.GetBytes("Jefe"), Encoding.ASCII.GetBytes("what do ya want for nothing?"))));
    }

    private static byte[] Sha224Probe(string s) => KmsTestHooks.Sha224(Encoding.ASCII.GetBytes(s));

    private static byte[] HmacProbe(byte[] key, byte[] message) => KmsTestHooks.Mac("HMAC_224", key, message);
}
