using System.Text;
using System.Xml;
using Gureum.Protocols.Serialization;

namespace Gureum.Protocols.Tests.Xml;

/// <summary>XmlOutput against System.Xml.XmlWriter (the writer it replaced, same settings): identical bytes.</summary>
public class XmlOutputTests
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(false),
        OmitXmlDeclaration = true,
        Indent = false,
        CheckCharacters = false,
    };

    private const string Alphabet = "ab <>&\"'\t\r\n\u0000\u0001\u0008\u000B\u000C\u001F\u007F\u0080\u0085\u00e9\u2028\u20ac\uD7FF\uE000\uFFFD\uFFFE\uFFFF]";

    private static string Reference(Action<XmlWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, Settings))
        {
            write(writer);
        }
        return Convert.ToHexString(stream.ToArray());
    }

    private static string Ours(Action<XmlOutput> write)
    {
        var writer = XmlOutput.Rent();
        try
        {
            write(writer);
            return Convert.ToHexString(writer.ToArray());
        }
        finally
        {
            writer.Return();
        }
    }

    private static IEnumerable<string> RandomStrings()
    {
        var random = new Random(42);
        yield return "";
        yield return "\r\n\r\r\n\n\r";
        yield return "😀x\U0001F600";
        foreach (var c in Alphabet)
        {
            yield return c.ToString();
        }
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(1, 24)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = random.Next(8) == 0 ? (char)random.Next(0x20, 0x7F) : Alphabet[random.Next(Alphabet.Length)];
            }
            var text = new string(chars);
            yield return random.Next(10) == 0 ? text + "😀" + text : text;
        }
    }

    [Fact]
    public void TextAndAttributeEscapingMatchXmlWriter()
    {
        var count = 0;
        foreach (var text in RandomStrings())
        {
            Assert.Equal(
                Reference(w => { w.WriteStartElement("r", "urn:x"); w.WriteAttributeString("a", text); w.WriteElementString("e", text); w.WriteStartElement("t"); w.WriteString(text); w.WriteEndElement(); w.WriteEndElement(); }),
                Ours(w => { w.WriteStartElement("r", "urn:x"); w.WriteAttributeString("a", text); w.WriteElementString("e", text); w.WriteStartElement("t"); w.WriteString(text); w.WriteEndElement(); w.WriteEndElement(); }));
            count++;
        }
        Assert.True(count > 3000);
    }

    [Fact]
    public void LoneSurrogatesFailLikeXmlWriter()
    {
        foreach (var text in new[] { "a\uD800", "\uDC00b", "\uD800\uD800" })
        {
            Assert.ThrowsAny<ArgumentException>(() => Reference(w => w.WriteElementString("e", text)));
            Assert.Throws<ArgumentException>(() => Ours(w => w.WriteElementString("e", text)));
        }
    }

    [Fact]
    public void NamespacesEmptyElementsAndPrefixesMatchXmlWriter()
    {
        Assert.Equal(
            Reference(w => { w.WriteStartElement("r", ""); w.WriteStartElement("a"); w.WriteEndElement(); w.WriteStartElement("b"); w.WriteFullEndElement(); w.WriteEndElement(); }),
            Ours(w => { w.WriteStartElement("r", ""); w.WriteStartElement("a"); w.WriteEndElement(); w.WriteStartElement("b"); w.WriteFullEndElement(); w.WriteEndElement(); }));
        Assert.Equal(
            Reference(w => { w.WriteStartElement("r", "urn:a"); w.WriteAttributeString("x", "1"); w.WriteStartElement("c", "urn:a"); w.WriteString(""); w.WriteEndElement(); w.WriteEndElement(); }),
            Ours(w => { w.WriteStartElement("r", "urn:a"); w.WriteAttributeString("x", "1"); w.WriteStartElement("c", "urn:a"); w.WriteString(""); w.WriteEndElement(); w.WriteEndElement(); }));
        // A prefixed attribute whose prefix was never declared (S3's Grantee xsi:type), and one that was.
        Assert.Equal(
            Reference(w => { w.WriteStartElement("r", "urn:a"); w.WriteStartElement("g"); w.WriteAttributeString("xsi", "type", null, "T"); w.WriteEndElement(); w.WriteEndElement(); }),
            Ours(w => { w.WriteStartElement("r", "urn:a"); w.WriteStartElement("g"); w.WriteAttributeString("xsi", "type", "T"); w.WriteEndElement(); w.WriteEndElement(); }));
        Assert.Equal(
            Reference(w => { w.WriteStartElement("r", "urn:a"); w.WriteStartElement("g"); w.WriteAttributeString("xmlns", "xsi", null, "urn:xsi"); w.WriteAttributeString("xsi", "type", null, "T"); w.WriteElementString("in", "v"); w.WriteEndElement(); w.WriteEndElement(); }),
            Ours(w => { w.WriteStartElement("r", "urn:a"); w.WriteStartElement("g"); w.WriteAttributeString("xmlns", "xsi", "urn:xsi"); w.WriteAttributeString("xsi", "type", "T"); w.WriteElementString("in", "v"); w.WriteEndElement(); w.WriteEndElement(); }));
        // Redefining the default namespace of an element that inherited it fails in both.
        Assert.ThrowsAny<XmlException>(() => Reference(w => { w.WriteStartElement("r", ""); w.WriteStartElement("g"); w.WriteAttributeString("xmlns", "urn:b"); w.WriteEndElement(); w.WriteEndElement(); }));
        Assert.Throws<InvalidOperationException>(() => Ours(w => { w.WriteStartElement("r", ""); w.WriteStartElement("g"); w.WriteAttributeString("xmlns", "urn:b"); w.WriteEndElement(); w.WriteEndElement(); }));
        foreach (var (outer, inner) in new[] { ("urn:a", "urn:a"), ("", "") })
        {
            Assert.Equal(
                Reference(w => { w.WriteStartElement("r", outer); w.WriteStartElement("g"); w.WriteAttributeString("xmlns", inner); w.WriteElementString("in", "v"); w.WriteEndElement(); w.WriteEndElement(); }),
                Ours(w => { w.WriteStartElement("r", outer); w.WriteStartElement("g"); w.WriteAttributeString("xmlns", inner); w.WriteElementString("in", "v"); w.WriteEndElement(); w.WriteEndElement(); }));
            Assert.Equal(
                Reference(w => { w.WriteStartElement("r", outer); w.WriteAttributeString("xmlns", inner); w.WriteEndElement(); }),
                Ours(w => { w.WriteStartElement("r", outer); w.WriteAttributeString("xmlns", inner); w.WriteEndElement(); }));
        }
    }

    [Fact]
    public void LargeDocumentsGrowTheBufferAndTheWriterIsReusable()
    {
        var big = new string('x', 300_000);
        Assert.Equal(Reference(w => w.WriteElementString("e", big)), Ours(w => w.WriteElementString("e", big)));
        Assert.Equal("3C65202F3E", Ours(w => w.WriteElementString("e", "")));
    }
}
