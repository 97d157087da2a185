using Gureum.Storage;

namespace Gureum.Services.S3;

/// <summary>
/// Reads bytes [start, start+length) of an object stored as consecutive blob segments (one per multipart
/// part), opening each blob only when reached: a completed multipart object is never copied into one file.
/// </summary>
internal sealed class SegmentStream : Stream
{
    private readonly IBlobStore _blobs;
    private readonly List<Segment> _segments;
    private readonly long _length;
    private long _position;          // relative to the range start
    private readonly long _start;
    private int _index = -1;
    private Stream? _current;
    private long _currentRemaining;

    public SegmentStream(IBlobStore blobs, List<Segment> segments, long start, long length)
    {
        _blobs = blobs;
        _segments = segments;
        _start = start;
        _length = length;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!Prepare(buffer.Length, out var want))
        {
            return 0;
        }
        var n = _current!.Read(buffer[..want]);
        return Advance(n);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Prepare(buffer.Length, out var want))
        {
            return 0;
        }
        var n = await _current!.ReadAsync(buffer[..want], cancellationToken).ConfigureAwait(false);
        return Advance(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private bool Prepare(int requested, out int want)
    {
        want = 0;
        if (_position >= _length || requested == 0)
        {
            return false;
        }
        while (_current is null || _currentRemaining == 0)
        {
            OpenNext();
        }
        want = (int)Math.Min(requested, Math.Min(_currentRemaining, _length - _position));
        return true;
    }

    private int Advance(int n)
    {
        if (n == 0)
        {
            throw new IOException("An object's blob is shorter than its recorded length.");
        }
        _position += n;
        _currentRemaining -= n;
        return n;
    }

    private void OpenNext()
    {
        _current?.Dispose();
        _current = null;
        // Find the segment holding absolute offset _start + _position.
        var absolute = _start + _position;
        long segmentStart = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            var segment = _segments[i];
            if (absolute < segmentStart + segment.Length)
            {
                _index = i;
                var stream = _blobs.OpenRead(segment.Blob);
                var within = absolute - segmentStart;
                if (within > 0)
                {
                    stream.Seek(within, SeekOrigin.Begin);
                }
                _current = stream;
                _currentRemaining = segment.Length - within;
                return;
            }
            segmentStart += segment.Length;
        }
        throw new IOException("Read past the object's segments.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
