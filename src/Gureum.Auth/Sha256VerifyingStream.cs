using System.Security.Cryptography;

namespace Gureum.Auth;

/// <summary>
/// Pass-through stream that hashes what it reads and, at EOF, throws
/// <see cref="AwsAuthException"/>(ContentSha256Mismatch) if the body differs from the declared
/// x-amz-content-sha256. Lets the server stream large signed bodies instead of buffering them.
/// Consumers must treat the data as provisional until EOF was reached without an exception.
/// </summary>
public sealed class Sha256VerifyingStream : Stream
{
    private readonly Stream _inner;
    private readonly string _expectedHex;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _checked;

    public Sha256VerifyingStream(Stream inner, string expectedHexSha256, bool leaveOpen = false)
    {
        _inner = inner;
        _expectedHex = expectedHexSha256.ToLowerInvariant();
        _leaveOpen = leaveOpen;
    }

    public long BytesRead { get; private set; }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Account(buffer, _inner.Read(buffer), buffer.IsEmpty);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, n, buffer.IsEmpty);
    }

    private int Account(Span<byte> buffer, int n, bool emptyRequest)
    {
        if (n > 0)
        {
            _hash.AppendData(buffer[..n]);
            BytesRead += n;
        }
        else if (!emptyRequest && !_checked)
        {
            _checked = true;
            var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (actual != _expectedHex)
                throw new AwsAuthException(AuthFailureKind.ContentSha256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!_leaveOpen)
                _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
