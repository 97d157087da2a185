using System.Buffers.Binary;
using System.Text;
using Gureum.Api.Dynamodb;

namespace Gureum.Services.DynamoDb;

public enum DType : byte { None = 0, S = 1, N = 2, B = 3, BOOL = 4, NULL = 5, M = 6, L = 7, SS = 8, NS = 9, BS = 10 }

/// <summary>AttributeValue rules: types, validation, equality and ordering, item size, binary codec, key encoding.</summary>
public static class Values
{
    public static DType TypeOf(AttributeValue v)
    {
        if (v.S is not null) return DType.S;
        if (v.N is not null) return DType.N;
        if (v.B is not null) return DType.B;
        if (v.BOOL is not null) return DType.BOOL;
        if (v.NULL is not null) return DType.NULL;
        if (v.M is not null) return DType.M;
        if (v.L is not null) return DType.L;
        if (v.SS is not null) return DType.SS;
        if (v.NS is not null) return DType.NS;
        if (v.BS is not null) return DType.BS;
        return DType.None;
    }

    private static int CountTypes(AttributeValue v) =>
        (v.S is null ? 0 : 1) + (v.N is null ? 0 : 1) + (v.B is null ? 0 : 1) + (v.BOOL is null ? 0 : 1) + (v.NULL is null ? 0 : 1)
        + (v.M is null ? 0 : 1) + (v.L is null ? 0 : 1) + (v.SS is null ? 0 : 1) + (v.NS is null ? 0 : 1) + (v.BS is null ? 0 : 1);

    public static string TypeName(DType t) => t switch
    {
        DType.S => "S", DType.N => "N", DType.B => "B", DType.BOOL => "BOOL", DType.NULL => "NULL", DType.M => "M",
        DType.L => "L", DType.SS => "SS", DType.NS => "NS", DType.BS => "BS", _ => "",
    };

    /// <summary>Validates one value recursively and normalises numbers (canonical text). Throws ValidationException.</summary>
    public static void Validate(AttributeValue v)
    {
        var count = CountTypes(v);
        if (count == 0)
        {
            throw DdbErrors.Validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        }
        if (count > 1)
        {
            throw DdbErrors.Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
        }
        switch (TypeOf(v))
        {
            case DType.N:
                v.N = DdbNumber.Parse(v.N!).ToString();
                break;
            case DType.NULL:
                v.NULL = true;
                break;
            case DType.M:
                foreach (var child in v.M!.Values)
                {
                    Validate(child);
                }
                break;
            case DType.L:
                foreach (var child in v.L!)
                {
                    Validate(child);
                }
                break;
            case DType.SS:
                if (v.SS!.Count == 0) throw DdbErrors.InvalidParams("An string set  may not be empty");
                CheckDuplicates(v.SS, v.SS.Distinct(StringComparer.Ordinal).Count());
                break;
            case DType.NS:
                if (v.NS!.Count == 0) throw DdbErrors.InvalidParams("An number set  may not be empty");
                var numbers = v.NS.Select(DdbNumber.Parse).ToList();
                CheckDuplicates(v.NS, numbers.Distinct().Count());
                v.NS = numbers.Select(n => n.ToString()).ToList();
                break;
            case DType.BS:
                if (v.BS!.Count == 0) throw DdbErrors.InvalidParams("An binary set  may not be empty");
                CheckDuplicates(v.BS.Select(Convert.ToBase64String).ToList(), v.BS.Select(Convert.ToBase64String).Distinct(StringComparer.Ordinal).Count());
                break;
        }
    }

    private static void CheckDuplicates(List<string> items, int distinct)
    {
        if (distinct != items.Count)
        {
            throw DdbErrors.InvalidParams($"Input collection [{string.Join(", ", items)}] contains duplicates.");
        }
    }

    public static void ValidateItem(Dictionary<string, AttributeValue> item)
    {
        foreach (var v in item.Values)
        {
            Validate(v);
        }
    }

    // ---------- equality and ordering ----------

    public static bool Equal(AttributeValue a, AttributeValue b)
    {
        var t = TypeOf(a);
        if (t != TypeOf(b)) return false;
        switch (t)
        {
            case DType.S: return a.S == b.S;
            case DType.N: return DdbNumber.Parse(a.N!) == DdbNumber.Parse(b.N!);
            case DType.B: return a.B!.AsSpan().SequenceEqual(b.B);
            case DType.BOOL: return a.BOOL == b.BOOL;
            case DType.NULL: return true;
            case DType.SS: return a.SS!.Count == b.SS!.Count && a.SS.ToHashSet(StringComparer.Ordinal).SetEquals(b.SS);
            case DType.NS:
                return a.NS!.Count == b.NS!.Count && a.NS.Select(DdbNumber.Parse).ToHashSet().SetEquals(b.NS.Select(DdbNumber.Parse));
            case DType.BS:
                return a.BS!.Count == b.BS!.Count
                    && a.BS.Select(Convert.ToBase64String).ToHashSet(StringComparer.Ordinal).SetEquals(b.BS.Select(Convert.ToBase64String));
            case DType.L:
                if (a.L!.Count != b.L!.Count) return false;
                for (var i = 0; i < a.L.Count; i++)
                {
                    if (!Equal(a.L[i], b.L[i])) return false;
                }
                return true;
            case DType.M:
                if (a.M!.Count != b.M!.Count) return false;
                foreach (var (k, va) in a.M)
                {
                    if (!b.M.TryGetValue(k, out var vb) || !Equal(va, vb)) return false;
                }
                return true;
        }
        return false;
    }

    /// <summary>Orders two scalars of the same type (S, N, B); null when not comparable.</summary>
    public static int? Compare(AttributeValue a, AttributeValue b)
    {
        var t = TypeOf(a);
        if (t != TypeOf(b)) return null;
        return t switch
        {
            DType.S => CompareUtf8(a.S!, b.S!),
            DType.N => DdbNumber.Parse(a.N!).CompareTo(DdbNumber.Parse(b.N!)),
            DType.B => a.B!.AsSpan().SequenceCompareTo(b.B),
            _ => null,
        };
    }

    /// <summary>Compares strings by their UTF-8 bytes (= code point order), as DynamoDB does.</summary>
    public static int CompareUtf8(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x == y) continue;
            // Surrogates (U+D800-DFFF) encode code points above every BMP char, so lift them above U+FFFF.
            var cx = char.IsSurrogate(x) ? x + 0x10000 : x;
            var cy = char.IsSurrogate(y) ? y + 0x10000 : y;
            return cx.CompareTo(cy);
        }
        return a.Length.CompareTo(b.Length);
    }

    // ---------- size ----------

    public static long ItemSize(Dictionary<string, AttributeValue> item)
    {
        long size = 0;
        foreach (var (name, v) in item)
        {
            size += Encoding.UTF8.GetByteCount(name) + Size(v);
        }
        return size;
    }

    public static long Size(AttributeValue v) => TypeOf(v) switch
    {
        DType.S => Encoding.UTF8.GetByteCount(v.S!),
        DType.N => NumberSize(v.N!),
        DType.B => v.B!.Length,
        DType.BOOL or DType.NULL => 1,
        DType.SS => v.SS!.Sum(s => (long)Encoding.UTF8.GetByteCount(s)),
        DType.NS => v.NS!.Sum(NumberSize),
        DType.BS => v.BS!.Sum(b => (long)b.Length),
        DType.L => 3 + v.L!.Sum(x => Size(x) + 1),
        DType.M => 3 + v.M!.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Size(kv.Value) + 1),
        _ => 0,
    };

    private static long NumberSize(string n)
    {
        var number = DdbNumber.Parse(n);
        if (number.IsZero) return 1;
        var digits = number.Digits;
        // AWS: about one byte per two significant digits, plus one byte (leading/trailing zeros aside).
        return (digits + 1) / 2 + 1;
    }

    // ---------- copies ----------

    public static AttributeValue Clone(AttributeValue v) => new()
    {
        S = v.S, N = v.N, B = v.B, BOOL = v.BOOL, NULL = v.NULL,
        SS = v.SS is null ? null : [.. v.SS],
        NS = v.NS is null ? null : [.. v.NS],
        BS = v.BS is null ? null : [.. v.BS],
        L = v.L?.Select(Clone).ToList(),
        M = v.M is null ? null : CloneMap(v.M),
    };

    public static Dictionary<string, AttributeValue> CloneMap(Dictionary<string, AttributeValue> m)
    {
        var copy = new Dictionary<string, AttributeValue>(m.Count, StringComparer.Ordinal);
        foreach (var (k, v) in m)
        {
            copy[k] = Clone(v);
        }
        return copy;
    }

    // ---------- binary codec ----------

    public static byte[] Encode(Dictionary<string, AttributeValue> item)
    {
        var buffer = new MemoryStream(256);
        buffer.WriteByte(1); // format version
        WriteMap(buffer, item);
        return buffer.ToArray();
    }

    public static Dictionary<string, AttributeValue> Decode(byte[] data)
    {
        var pos = 1;
        return ReadMap(data, ref pos);
    }

    private static void WriteVarint(Stream s, long value)
    {
        var v = (ulong)value;
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private static long ReadVarint(byte[] d, ref int pos)
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var b = d[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return (long)result;
            shift += 7;
        }
    }

    private static void WriteString(Stream s, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteVarint(s, bytes.Length);
        s.Write(bytes);
    }

    private static string ReadString(byte[] d, ref int pos)
    {
        var len = (int)ReadVarint(d, ref pos);
        var s = Encoding.UTF8.GetString(d, pos, len);
        pos += len;
        return s;
    }

    private static void WriteBytes(Stream s, byte[] value)
    {
        WriteVarint(s, value.Length);
        s.Write(value);
    }

    private static byte[] ReadBytes(byte[] d, ref int pos)
    {
        var len = (int)ReadVarint(d, ref pos);
        var b = d.AsSpan(pos, len).ToArray();
        pos += len;
        return b;
    }

    private static void WriteMap(Stream s, Dictionary<string, AttributeValue> m)
    {
        WriteVarint(s, m.Count);
        foreach (var (k, v) in m)
        {
            WriteString(s, k);
            WriteValue(s, v);
        }
    }

    private static Dictionary<string, AttributeValue> ReadMap(byte[] d, ref int pos)
    {
        var count = (int)ReadVarint(d, ref pos);
        var m = new Dictionary<string, AttributeValue>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var k = ReadString(d, ref pos);
            m[k] = ReadValue(d, ref pos);
        }
        return m;
    }

    private static void WriteValue(Stream s, AttributeValue v)
    {
        var t = TypeOf(v);
        s.WriteByte((byte)t);
        switch (t)
        {
            case DType.S: WriteString(s, v.S!); break;
            case DType.N: WriteString(s, v.N!); break;
            case DType.B: WriteBytes(s, v.B!); break;
            case DType.BOOL: s.WriteByte(v.BOOL!.Value ? (byte)1 : (byte)0); break;
            case DType.NULL: break;
            case DType.M: WriteMap(s, v.M!); break;
            case DType.L:
                WriteVarint(s, v.L!.Count);
                foreach (var x in v.L) WriteValue(s, x);
                break;
            case DType.SS:
                WriteVarint(s, v.SS!.Count);
                foreach (var x in v.SS) WriteString(s, x);
                break;
            case DType.NS:
                WriteVarint(s, v.NS!.Count);
                foreach (var x in v.NS) WriteString(s, x);
                break;
            case DType.BS:
                WriteVarint(s, v.BS!.Count);
                foreach (var x in v.BS) WriteBytes(s, x);
                break;
        }
    }

    private static AttributeValue ReadValue(byte[] d, ref int pos)
    {
        var t = (DType)d[pos++];
        var v = new AttributeValue();
        int n;
        switch (t)
        {
            case DType.S: v.S = ReadString(d, ref pos); break;
            case DType.N: v.N = ReadString(d, ref pos); break;
            case DType.B: v.B = ReadBytes(d, ref pos); break;
            case DType.BOOL: v.BOOL = d[pos++] == 1; break;
            case DType.NULL: v.NULL = true; break;
            case DType.M: v.M = ReadMap(d, ref pos); break;
            case DType.L:
                n = (int)ReadVarint(d, ref pos);
                v.L = new List<AttributeValue>(n);
                for (var i = 0; i < n; i++) v.L.Add(ReadValue(d, ref pos));
                break;
            case DType.SS:
                n = (int)ReadVarint(d, ref pos);
                v.SS = new List<string>(n);
                for (var i = 0; i < n; i++) v.SS.Add(ReadString(d, ref pos));
                break;
            case DType.NS:
                n = (int)ReadVarint(d, ref pos);
                v.NS = new List<string>(n);
                for (var i = 0; i < n; i++) v.NS.Add(ReadString(d, ref pos));
                break;
            case DType.BS:
                n = (int)ReadVarint(d, ref pos);
                v.BS = new List<byte[]>(n);
                for (var i = 0; i < n; i++) v.BS.Add(ReadBytes(d, ref pos));
                break;
            default:
                throw new InvalidDataException("Unknown attribute type tag " + (int)t);
        }
        return v;
    }

    // ---------- key encoding ----------

    /// <summary>
    /// Order-preserving, prefix-free text for a key attribute (UTF-8 order of the result = DynamoDB's order):
    /// S and B as lowercase hex of their bytes + '!', N via <see cref="DdbNumber.ToSortKey"/>.
    /// </summary>
    public static string KeyText(AttributeValue v) => TypeOf(v) switch
    {
        DType.S => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(v.S!)) + "!",
        DType.B => Convert.ToHexStringLower(v.B!) + "!",
        DType.N => DdbNumber.Parse(v.N!).ToSortKey(),
        _ => throw new InvalidOperationException("not a key type"),
    };

    /// <summary>Prefix of every key text whose S/B value starts with <paramref name="v"/> (begins_with).</summary>
    public static string KeyPrefix(AttributeValue v) => TypeOf(v) switch
    {
        DType.S => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(v.S!)),
        DType.B => Convert.ToHexStringLower(v.B!),
        _ => throw new InvalidOperationException("not a prefix type"),
    };

    internal static void WriteInt(Span<byte> span, int value) => BinaryPrimitives.WriteInt32BigEndian(span, value);
}
