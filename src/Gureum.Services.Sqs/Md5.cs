using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gureum.Services.Sqs;

/// <summary>
/// The digests SQS returns. Attribute digests follow AWS's documented encoding: attributes sorted by
/// name; for each, 4-byte big-endian length + UTF-8 name, length + data type, one transport byte
/// (1 = string/number, 2 = binary), then length + value bytes.
/// </summary>
internal static class Md5
{
#pragma warning disable CA5351 // MD5 is what the SQS API defines, not a security choice
    public static string OfBody(string body) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));

    public static string? OfAttributes(IEnumerable<KeyValuePair<string, AttributeRecord>> attributes)
    {
        using var buffer = new MemoryStream();
        var any = false;
        foreach (var (name, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            any = true;
            Write(buffer, Encoding.UTF8.GetBytes(name));
            Write(buffer, Encoding.UTF8.GetBytes(value.DataType));
            if (value.BinaryValue is not null)
            {
                buffer.WriteByte(2);
                Write(buffer, value.BinaryValue);
            }
            else
            {
                buffer.WriteByte(1);
                Write(buffer, Encoding.UTF8.GetBytes(value.StringValue ?? ""));
            }
        }
        return any ? Convert.ToHexStringLower(MD5.HashData(buffer.ToArray())) : null;
    }
#pragma warning restore CA5351

    private static void Write(MemoryStream buffer, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }

    public static string Sha256(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
}
