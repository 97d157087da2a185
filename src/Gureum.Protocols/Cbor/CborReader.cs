using System.Buffers.Binary;
using System.Text;

namespace Gureum.Protocols.Cbor;

/// <summary>A CBOR data item that carries a tag (RFC 8949 §3.4), e.g. tag 1 epoch time.</summary>
public sealed record CborTag(ulong Tag, object? Value);

/// <summary>The CBOR "undefined" simple value (decoded separately from null; treated as absent).</summary>
public sealed class CborUndefined
{
    public static readonly CborUndefined Instance = new();

    private CborUndefined()
    {
    }
}

/// <summary>Malformed or unsupported CBOR.</summary>
public sealed class CborFormatException(string message) : Exception(message);

/// <summary>
/// Decodes CBOR (RFC 8949) into a generic tree: unsigned and negative integers as long
/// (ulong above long.MaxValue), byte strings as byte[], text as string, arrays as
/// List&lt;object?&gt;, maps with text keys as Dictionary&lt;string, object?&gt;, tags as
/// <see cref="CborTag"/>, floats (half, single, double) as double, true/false, null and
/// <see cref="CborUndefined"/>. Definite and indefinite lengths. Only throws <see cref="CborFormatException"/>.
/// </summary>
public sealed class CborReader
{
    private const int MaxDepth = 256;
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    public CborReader(ReadOnlyMemory<byte> data) => _data = data;

    public int Position => _position;

    public bool AtEnd => _position >= _data.Length;

    /// <summary>Decodes exactly one data item that must span the whole input.</summary>
    public static object? Decode(ReadOnlyMemory<byte> data)
    {
        var reader = new CborReader(data);
        var value = reader.Read();
        if (!reader.AtEnd)
        {
            throw new CborFormatException($"Unexpected data after the CBOR item at offset {reader.Position}.");
        }
        return value;
    }

    public object? Read() => ReadItem(0, allowBreak: false);

    private static readonly object Break = new();

    private object? ReadItem(int depth, bool allowBreak)
    {
        if (depth > MaxDepth)
        {
            throw new CborFormatException("CBOR nesting is too deep.");
        }
        var initial = ReadByte();
        var major = initial >> 5;
        var info = initial & 0x1f;
        switch (major)
        {
            case 0:
            {
                var value = ReadArgument(info);
                return value <= long.MaxValue ? (long)value : value;
            }
            case 1:
            {
                var value = ReadArgument(info);
                if (value > long.MaxValue)
                {
                    throw new CborFormatException("Negative integer out of range.");
                }
                return -1 - (long)value;
            }
            case 2:
                return ReadString(info, major);
            case 3:
            {
                var bytes = ReadString(info, major);
                try
                {
                    return new UTF8Encoding(false, true).GetString(bytes);
                }
                catch (DecoderFallbackException)
                {
                    throw new CborFormatException("Text string is not valid UTF-8.");
                }
            }
            case 4:
            {
                var list = new List<object?>();
                if (info == 31)
                {
                    while (true)
                    {
                        var item = ReadItem(depth + 1, allowBreak: true);
                        if (ReferenceEquals(item, Break))
                        {
                            return list;
                        }
                        list.Add(item);
                    }
                }
                var count = CheckCount(ReadArgument(info), 1);
                for (var i = 0; i < count; i++)
                {
                    list.Add(ReadItem(depth + 1, allowBreak: false));
                }
                return list;
            }
            case 5:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (info == 31)
                {
                    while (true)
                    {
                        var key = ReadItem(depth + 1, allowBreak: true);
                        if (ReferenceEquals(key, Break))
                        {
                            return map;
                        }
                        map[Key(key)] = ReadItem(depth + 1, allowBreak: false);
                    }
                }
                var count = CheckCount(ReadArgument(info), 2);
                for (var i = 0; i < count; i++)
                {
                    var key = Key(ReadItem(depth + 1, allowBreak: false));
                    map[key] = ReadItem(depth + 1, allowBreak: false);
                }
                return map;
            }
            case 6:
            {
                var tag = ReadArgument(info);
                return new CborTag(tag, ReadItem(depth + 1, allowBreak: false));
            }
            default:
                switch (info)
                {
                    case 20:
                        return false;
                    case 21:
                        return true;
                    case 22:
                        return null;
                    case 23:
                        return CborUndefined.Instance;
                    case 25:
                        return (double)BinaryPrimitives.ReadHalfBigEndian(Take(2));
                    case 26:
                        return (double)BinaryPrimitives.ReadSingleBigEndian(Take(4));
                    case 27:
                        return BinaryPrimitives.ReadDoubleBigEndian(Take(8));
                    case 31 when allowBreak:
                        return Break;
                    default:
                        throw new CborFormatException($"Unsupported CBOR simple value {info}.");
                }
        }
    }

    private static string Key(object? key) =>
        key as string ?? throw new CborFormatException("CBOR map keys must be text strings.");

    private int CheckCount(ulong count, int minBytesEach)
    {
        // Every element takes at least one byte: a count beyond the remaining input is malformed
        // (and must not drive an allocation).
        if (count > (ulong)(_data.Length - _position) / (ulong)minBytesEach)
        {
            throw new CborFormatException("CBOR length exceeds the input.");
        }
        return (int)count;
    }

    private byte[] ReadString(int info, int major)
    {
        if (info != 31)
        {
            var length = ReadArgument(info);
            if (length > (ulong)(_data.Length - _position))
            {
                throw new CborFormatException("CBOR string length exceeds the input.");
            }
            return Take((int)length).ToArray();
        }
        using var chunks = new MemoryStream();
        while (true)
        {
            var initial = ReadByte();
            if (initial == 0xff)
            {
                return chunks.ToArray();
            }
            if (initial >> 5 != major || (initial & 0x1f) == 31)
            {
                throw new CborFormatException("Invalid chunk in an indefinite-length string.");
            }
            var length = ReadArgument(initial & 0x1f);
            if (length > (ulong)(_data.Length - _position))
            {
                throw new CborFormatException("CBOR string length exceeds the input.");
            }
            chunks.Write(Take((int)length));
        }
    }

    private ulong ReadArgument(int info) => info switch
    {
        < 24 => (ulong)info,
        24 => ReadByte(),
        25 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
        26 => BinaryPrimitives.ReadUInt32BigEndian(Take(4)),
        27 => BinaryPrimitives.ReadUInt64BigEndian(Take(8)),
        _ => throw new CborFormatException($"Invalid CBOR additional information {info}."),
    };

    private byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw new CborFormatException("Unexpected end of CBOR input.");
        }
        return _data.Span[_position++];
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw new CborFormatException("Unexpected end of CBOR input.");
        }
        var span = _data.Span.Slice(_position, count);
        _position += count;
        return span;
    }
}
