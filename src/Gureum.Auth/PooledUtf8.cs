using System.Buffers;
using System.Text;

namespace Gureum.Auth;

/// <summary>A growable UTF-8 buffer rented from the shared array pool (SigV4 canonical forms); dispose to return it.</summary>
public struct PooledUtf8 : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public PooledUtf8(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64));
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public void Append(char ascii)
    {
        Ensure(1);
        _buffer[_length++] = (byte)ascii;
    }

    public void Append(string text) => Append(text.AsSpan());

    public void Append(ReadOnlySpan<char> text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void AppendLowerHex(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length * 2);
        foreach (var b in bytes)
        {
            _buffer[_length++] = (byte)"0123456789abcdef"[b >> 4];
            _buffer[_length++] = (byte)"0123456789abcdef"[b & 15];
        }
    }

    private void Ensure(int count)
    {
        if (_length + count <= _buffer.Length)
            return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null!;
        }
    }
}
