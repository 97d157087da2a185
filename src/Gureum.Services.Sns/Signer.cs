using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Gureum.Storage;

namespace Gureum.Services.Sns;

/// <summary>
/// Signs notifications as SNS does (SignatureVersion 1: RSA-SHA1, 2: RSA-SHA256, over AWS's documented
/// string to sign) with a key whose self-signed certificate Gureum serves at SigningCertURL. The key is
/// kept in the state store so signatures stay verifiable across restarts.
/// </summary>
#pragma warning disable CA1001 // lives as long as the provider
internal sealed class Signer
#pragma warning restore CA1001
{
    private readonly IStateStore _state;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RSA? _rsa;
    private string? _pem;

    public Signer(IStateStore state) => _state = state;

    public string CertificateName { get; private set; } = "SimpleNotificationService.pem";

    public void Reset()
    {
        _rsa = null;
        _pem = null;
    }

    public async ValueTask<string> PemAsync()
    {
        await EnsureAsync();
        return _pem!;
    }

    private async ValueTask EnsureAsync()
    {
        if (_rsa is not null)
        {
            return;
        }
        await _gate.WaitAsync();
        try
        {
            if (_rsa is not null)
            {
                return;
            }
            SigningRecord record;
            var stored = await _state.GetAsync(SnsKeys.Signing, "key");
            if (stored is not null)
            {
                record = JsonSerializer.Deserialize(stored, SnsJson.Default.SigningRecord)!;
            }
            else
            {
                using var fresh = RSA.Create(2048);
                var request = new CertificateRequest("CN=sns.amazonaws.com, O=Gureum", fresh, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                var now = DateTimeOffset.UtcNow;
                using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
                record = new SigningRecord { Pkcs8 = fresh.ExportPkcs8PrivateKey(), Certificate = certificate.RawData };
                await _state.CommitAsync(new WriteBatch().Put(SnsKeys.Signing, "key", SnsJson.Bytes(record)));
            }
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(record.Pkcs8, out _);
            _pem = PemEncoding.WriteString("CERTIFICATE", record.Certificate) + "\n";
            CertificateName = "SimpleNotificationService-" + Convert.ToHexStringLower(SHA256.HashData(record.Certificate))[..32] + ".pem";
            _rsa = rsa;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The base64 signature of <paramref name="fields"/> (name/value pairs in AWS's order; null values skipped).</summary>
    public async ValueTask<string> SignAsync(string signatureVersion, IEnumerable<(string Name, string? Value)> fields)
    {
        await EnsureAsync();
        var text = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                text.Append(name).Append('\n').Append(value).Append('\n');
            }
        }
        var hash = signatureVersion == "2" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1;
        return Convert.ToBase64String(_rsa!.SignData(Encoding.UTF8.GetBytes(text.ToString()), hash, RSASignaturePadding.Pkcs1));
    }
}
