using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gureum.Auth;

/// <summary>
/// Decodes an aws-chunked body ("hex-size[;chunk-signature=sig]\r\n" data "\r\n" ... "0..\r\n"
/// trailers "\r\n"), verifying the chunk-signature chain and the trailer signature when a
/// <see cref="ChunkSigningContext"/> is given. Memory is constant: one small input buffer, data is
/// copied straight to the caller. Errors are <see cref="AwsAuthException"/> (InvalidChunk or
/// SignatureDoesNotMatch). The parser is a pure state machine over buffered input, so the sync and
/// async reads share it and differ only in how they refill the buffer.
/// </summary>
public sealed class AwsChunkedDecodingStream : Stream
{
    private const int BufferSize = 16 * 1024;
    private const int MaxLine = 4096;          // chunk header or trailer line
    private const int MaxTrailers = 64;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly ChunkSigningContext? _signing;
    private readonly bool _signed;
    private readonly byte[] _buf = new byte[BufferSize];
    private int _pos, _len;
    private bool _innerEof;

    private enum State { Header, Data, DataEnd, Trailers, Done }
    private State _state = State.Header;
    private long _chunkRemaining;
    private bool _finalChunk;
    private string? _chunkSignature;
    private string _previousSignature;
    private readonly IncrementalHash? _chunkHash;
    private readonly Dictionary<string, string> _trailers = new(StringComparer.OrdinalIgnoreCase);
    private readonly StringBuilder _canonicalTrailers = new();
    private string? _trailerSignature;

    /// <param name="inner">The raw request body.</param>
    /// <param name="mode">Payload mode from the verifier; decides whether chunk signatures are required.</param>
    /// <param name="signing">Signing context; null means parse signatures but do not verify (unknown key / auth off).</param>
    /// <param name="decodedContentLength">x-amz-decoded-content-length, exposed for the caller to check.</param>
    public AwsChunkedDecodingStream(Stream inner, PayloadMode mode, ChunkSigningContext? signing, long? decodedContentLength = null, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _signed = mode is PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer;
        _signing = _signed ? signing : null;
        _previousSignature = signing?.SeedSignature ?? "";
        if (_signing is not null)
            _chunkHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        DeclaredDecodedLength = decodedContentLength;
    }

    /// <summary>Trailing headers (e.g. x-amz-checksum-crc32), available once the stream reached EOF.
    /// x-amz-trailer-signature is consumed, not exposed.</summary>
    public IReadOnlyDictionary<string, string> Trailers => _trailers;
    public long? DeclaredDecodedLength { get; }
    /// <summary>Payload bytes produced so far.</summary>
    public long DecodedLength { get; private set; }
    public bool Completed => _state == State.Done;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => DecodedLength; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = Step(buffer, out var needInput);
            if (!needInput)
                return n;
            Compact();
            var read = _inner.Read(_buf, _len, _buf.Length - _len);
            if (read == 0)
                _innerEof = true;
            _len += read;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var n = Step(buffer.Span, out var needInput);
            if (!needInput)
                return n;
            Compact();
            var read = await _inner.ReadAsync(_buf.AsMemory(_len, _buf.Length - _len), cancellationToken).ConfigureAwait(false);
            if (read == 0)
                _innerEof = true;
            _len += read;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunkHash?.Dispose();
            if (!_leaveOpen)
                _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Compact()
    {
        if (_pos > 0)
        {
            Buffer.BlockCopy(_buf, _pos, _buf, 0, _len - _pos);
            _len -= _pos;
            _pos = 0;
        }
    }

    /// <summary>Advances the parser over buffered input. Returns bytes written to dest, or sets
    /// needInput when nothing can progress without more input. Returns 0 with !needInput only at EOF.</summary>
    private int Step(Span<byte> dest, out bool needInput)
    {
        needInput = false;
        while (true)
        {
            switch (_state)
            {
                case State.Done:
                    return 0;
                case State.Header:
                    if (!TryReadLine(out var header, out needInput))
                        return 0;
                    ParseChunkHeader(header);
                    break;
                case State.Data:
                    if (_chunkRemaining == 0)
                    {
                        if (_finalChunk)
                        {
                            // "0[;chunk-signature=..]\r\n" is followed directly by trailer lines and
                            // a blank line (which alone ends a non-trailer body): no data CRLF.
                            VerifyChunkSignature();
                            _state = State.Trailers;
                        }
                        else
                        {
                            _state = State.DataEnd;
                        }
                        break;
                    }
                    if (dest.IsEmpty)
                        return 0;
                    if (_pos == _len)
                    {
                        if (_innerEof)
                            throw Invalid("Truncated chunk data.");
                        needInput = true;
                        return 0;
                    }
                    var n = (int)Math.Min(Math.Min(_chunkRemaining, dest.Length), _len - _pos);
                    var src = _buf.AsSpan(_pos, n);
                    src.CopyTo(dest);
                    _chunkHash?.AppendData(src);
                    _pos += n;
                    _chunkRemaining -= n;
                    DecodedLength += n;
                    return n;
                case State.DataEnd:
                    if (_len - _pos < 2)
                    {
                        if (_innerEof)
                            throw Invalid("Truncated chunk: missing CRLF after data.");
                        needInput = true;
                        return 0;
                    }
                    if (_buf[_pos] != '\r' || _buf[_pos + 1] != '\n')
                        throw Invalid("Chunk data is not followed by CRLF (chunk size does not match data).");
                    _pos += 2;
                    VerifyChunkSignature();
                    _state = State.Header;
                    break;
                case State.Trailers:
                    if (!TryReadLine(out var line, out needInput))
                        return 0;
                    if (line.Length == 0)
                    {
                        VerifyTrailerSignature();
                        _state = State.Done;
                        return 0;
                    }
                    AddTrailer(line);
                    break;
            }
        }
    }

    /// <summary>Reads one line ending in LF (CR optional only for trailers, which some SDKs vary on).</summary>
    private bool TryReadLine(out string line, out bool needInput)
    {
        needInput = false;
        line = "";
        var idx = Array.IndexOf(_buf, (byte)'\n', _pos, _len - _pos);
        if (idx < 0)
        {
            if (_len - _pos >= MaxLine)
                throw Invalid("Chunk header or trailer line too long.");
            if (_innerEof)
                throw Invalid(_state == State.Trailers ? "Truncated trailer section." : "Truncated chunk header.");
            needInput = true;
            return false;
        }
        var end = idx;
        if (end > _pos && _buf[end - 1] == '\r')
            end--;
        else if (_state == State.Header)
            throw Invalid("Chunk header must end with CRLF.");
        if (end - _pos > MaxLine)
            throw Invalid("Chunk header or trailer line too long.");
        line = Encoding.ASCII.GetString(_buf, _pos, end - _pos);
        _pos = idx + 1;
        return true;
    }

    private void ParseChunkHeader(string header)
    {
        var semi = header.IndexOf(';');
        var sizeText = semi < 0 ? header : header[..semi];
        if (sizeText.Length is 0 or > 15 || !long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
            throw Invalid($"Invalid chunk size '{Truncate(sizeText)}'.");
        _chunkSignature = null;
        if (semi >= 0)
        {
            const string prefix = "chunk-signature=";
            var ext = header[(semi + 1)..];
            if (!ext.StartsWith(prefix, StringComparison.Ordinal))
                throw Invalid("Unknown chunk extension.");
            _chunkSignature = ext[prefix.Length..];
            if (!SigV4Canonical.IsHexSha256(_chunkSignature))
                throw Invalid("Malformed chunk-signature.");
        }
        if (_signed && _chunkSignature is null)
            throw Invalid("Missing chunk-signature on a signed streaming upload.");
        if (DecodedLength + size > DeclaredDecodedLength)
            throw Invalid("Chunks exceed x-amz-decoded-content-length.");
        _chunkRemaining = size;
        _finalChunk = size == 0;
        _state = State.Data;
    }

    private void VerifyChunkSignature()
    {
        if (_signing is not null)
        {
            var dataHash = Convert.ToHexStringLower(_chunkHash!.GetHashAndReset());
            var expected = SigV4Signer.ChunkSignature(_signing, _previousSignature, dataHash);
            if (!SigV4Canonical.SignatureEquals(expected, _chunkSignature!))
                throw new AwsAuthException(AuthFailureKind.SignatureDoesNotMatch, "The chunk signature we calculated does not match the signature you provided.");
            _previousSignature = expected;
        }
    }

    private void AddTrailer(string line)
    {
        var colon = line.IndexOf(':');
        if (colon <= 0)
            throw Invalid("Malformed trailer line.");
        var name = line[..colon].Trim().ToLowerInvariant();
        var value = line[(colon + 1)..].Trim();
        if (name == "x-amz-trailer-signature")
        {
            _trailerSignature = value;
            return;
        }
        if (_trailerSignature is not null)
            throw Invalid("Trailer after x-amz-trailer-signature.");
        if (_trailers.Count >= MaxTrailers)
            throw Invalid("Too many trailers.");
        _trailers[name] = value;
        _canonicalTrailers.Append(name).Append(':').Append(value).Append('\n');
    }

    private void VerifyTrailerSignature()
    {
        if (_signing is null || _trailers.Count == 0 && _trailerSignature is null)
            return;
        if (_trailerSignature is null)
            throw new AwsAuthException(AuthFailureKind.SignatureDoesNotMatch, "Missing x-amz-trailer-signature.");
        var expected = SigV4Signer.TrailerSignature(_signing, _previousSignature, _canonicalTrailers.ToString());
        if (!SigV4Canonical.SignatureEquals(expected, _trailerSignature))
            throw new AwsAuthException(AuthFailureKind.SignatureDoesNotMatch, "The trailer signature we calculated does not match the signature you provided.");
    }

    private static AwsAuthException Invalid(string message) => new(AuthFailureKind.InvalidChunk, message);

    private static string Truncate(string s) => s.Length > 20 ? s[..20] + "..." : s;
}
