using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Gureum.Protocols.Cbor;

/// <summary>Encodes CBOR (RFC 8949) items, definite or indefinite length, into a growable buffer.</summary>
public sealed class CborWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void WriteUInt64(ulong value) => WriteHead(0, value);

    public void WriteInt64(long value)
    {
        if (value >= 0)
        {
            WriteHead(0, (ulong)value);
        }
        else
        {
            WriteHead(1, (ulong)(-1 - value));
        }
    }

    public void WriteByteString(ReadOnlySpan<byte> value)
    {
        WriteHead(2, (ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteTextString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteHead(3, (ulong)bytes.Length);
        _buffer.Write(bytes);
    }

    public void WriteStartArray(int? length)
    {
        if (length is { } n)
        {
            WriteHead(4, (ulong)n);
        }
        else
        {
            WriteByte(0x9f);
        }
    }

    public void WriteStartMap(int? length)
    {
        if (length is { } n)
        {
            WriteHead(5, (ulong)n);
        }
        else
        {
            WriteByte(0xbf);
        }
    }

    /// <summary>Ends an indefinite-length array, map or string.</summary>
    public void WriteBreak() => WriteByte(0xff);

    /// <summary>Starts an indefinite-length byte (major 2) or text (major 3) string; chunks follow, then a break.</summary>
    public void WriteStartIndefiniteString(bool text) => WriteByte(text ? (byte)0x7f : (byte)0x5f);

    public void WriteTag(ulong tag) => WriteHead(6, tag);

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)0xf5 : (byte)0xf4);

    public void WriteNull() => WriteByte(0xf6);

    public void WriteUndefined() => WriteByte(0xf7);

    public void WriteHalf(Half value)
    {
        var span = _buffer.GetSpan(3);
        span[0] = 0xf9;
        BinaryPrimitives.WriteHalfBigEndian(span[1..], value);
        _buffer.Advance(3);
    }

    public void WriteSingle(float value)
    {
        var span = _buffer.GetSpan(5);
        span[0] = 0xfa;
        BinaryPrimitives.WriteSingleBigEndian(span[1..], value);
        _buffer.Advance(5);
    }

    public void WriteDouble(double value)
    {
        var span = _buffer.GetSpan(9);
        span[0] = 0xfb;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        _buffer.Advance(9);
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    private void WriteHead(int major, ulong argument)
    {
        var type = (byte)(major << 5);
        var span = _buffer.GetSpan(9);
        if (argument < 24)
        {
            span[0] = (byte)(type | (byte)argument);
            _buffer.Advance(1);
        }
        else if (argument <= byte.MaxValue)
        {
            span[0] = (byte)(type | 24);
            span[1] = (byte)argument;
            _buffer.Advance(2);
        }
        else if (argument <= ushort.MaxValue)
        {
            span[0] = (byte)(type | 25);
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)argument);
            _buffer.Advance(3);
        }
        else if (argument <= uint.MaxValue)
        {
            span[0] = (byte)(type | 26);
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)argument);
            _buffer.Advance(5);
        }
        else
        {
            span[0] = (byte)(type | 27);
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], argument);
            _buffer.Advance(9);
        }
    }
}
