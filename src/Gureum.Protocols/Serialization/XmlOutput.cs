using System.Buffers;
using System.Text;

namespace Gureum.Protocols.Serialization;

/// <summary>
/// A minimal, allocation-light UTF-8 XML writer for response bodies (query, ec2, rest-xml). It
/// produces byte for byte what <see cref="System.Xml.XmlWriter"/> produced with
/// <c>CheckCharacters=false</c>, <c>Indent=false</c>, default newline handling: text escapes
/// <c>&lt; &gt; &amp;</c>, turns <c>\r\n</c> and <c>\r</c> into <c>\n</c>; attribute values also
/// escape <c>"</c>, tab, CR and LF; other control characters and U+FFFE/U+FFFF become
/// <c>&amp;#xH;</c>; empty elements are <c>&lt;a /&gt;</c>; a default namespace is declared after
/// the element's attributes and only where it changes. One instance per thread is reused (its
/// buffer too): <see cref="Rent"/>, write, <see cref="ToArray"/>, <see cref="Return"/>.
/// </summary>
public sealed class XmlOutput
{
    private const int InitialSize = 4096;
    private const int MaxRetainedSize = 256 * 1024;

    // Characters copied as they are, in text and in attributes (printable ASCII minus < > & " ').
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f");

    [ThreadStatic]
    private static XmlOutput? t_cached;

    private byte[] _buffer = new byte[InitialSize];
    private int _position;
    private bool _tagOpen;
    private int _depth;
    private Frame[] _frames = new Frame[16];
    private int _prefixCount;
    private (string Prefix, int Depth)[] _prefixes = new (string, int)[4];

    private struct Frame
    {
        public string Name;
        public string DefaultNamespace;
        public string? PendingNamespace; // declared when the start tag closes
    }

    /// <summary>A cleared writer (this thread's cached one when free).</summary>
    public static XmlOutput Rent()
    {
        var writer = t_cached ?? new XmlOutput();
        t_cached = null;
        writer._position = 0;
        writer._tagOpen = false;
        writer._depth = 0;
        writer._prefixCount = 0;
        return writer;
    }

    /// <summary>Gives the writer back for reuse on this thread (a very large buffer is dropped).</summary>
    public void Return()
    {
        if (_buffer.Length > MaxRetainedSize)
        {
            _buffer = new byte[InitialSize];
        }
        Array.Clear(_frames, 0, Math.Min(_frames.Length, _depth + 1));
        t_cached = this;
    }

    public int Length => _position;

    public byte[] ToArray() => _buffer.AsSpan(0, _position).ToArray();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>Raw bytes (a declaration), written as they are.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        CloseStartTag();
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>Starts an element in the parent's default namespace.</summary>
    public void WriteStartElement(string name) => WriteStartElement(name, null);

    /// <summary>Starts an element; a non-null <paramref name="ns"/> is declared if it differs from the parent's.</summary>
    public void WriteStartElement(string name, string? ns)
    {
        CloseStartTag();
        var parentNs = _depth == 0 ? "" : _frames[_depth - 1].DefaultNamespace;
        if (_depth == _frames.Length)
        {
            Array.Resize(ref _frames, _frames.Length * 2);
        }
        ref var frame = ref _frames[_depth++];
        frame.Name = name;
        frame.DefaultNamespace = ns ?? parentNs;
        frame.PendingNamespace = ns is not null && ns != parentNs ? ns : null;
        WriteByte((byte)'<');
        WriteName(name);
        _tagOpen = true;
    }

    /// <summary>An attribute of the open start tag; <c>xmlns</c> declares the default namespace.</summary>
    public void WriteAttributeString(string name, string value)
    {
        ref var frame = ref _frames[_depth - 1];
        if (name == "xmlns")
        {
            // As XmlWriter: the element's own namespace may be declared again, not changed.
            if (value != frame.DefaultNamespace)
            {
                throw new InvalidOperationException($"The prefix '' cannot be redefined from '{frame.DefaultNamespace}' to '{value}' within the same start element tag.");
            }
            if (frame.PendingNamespace is not null)
            {
                return; // declared when the tag closes
            }
        }
        WriteAttribute(null, name, value);
    }

    /// <summary>A prefixed attribute (<c>prefix:name</c>); prefix <c>xmlns</c> declares a namespace prefix.
    /// A prefix that was never declared is dropped, as XmlWriter did.</summary>
    public void WriteAttributeString(string prefix, string name, string value)
    {
        if (prefix == "xmlns")
        {
            if (_prefixCount == _prefixes.Length)
            {
                Array.Resize(ref _prefixes, _prefixes.Length * 2);
            }
            _prefixes[_prefixCount++] = (name, _depth);
            WriteAttribute("xmlns", name, value);
            return;
        }
        WriteAttribute(IsDeclared(prefix) ? prefix : null, name, value);
    }

    /// <summary><c>&lt;name&gt;value&lt;/name&gt;</c>, or <c>&lt;name /&gt;</c> when value is empty.</summary>
    public void WriteElementString(string name, string? value)
    {
        WriteStartElement(name);
        if (!string.IsNullOrEmpty(value))
        {
            WriteString(value);
        }
        WriteEndElement();
    }

    /// <summary>Escaped text content.</summary>
    public void WriteString(string text)
    {
        CloseStartTag();
        WriteEscaped(text, attribute: false);
    }

    /// <summary>Closes the current element (<c> /&gt;</c> when it has no content).</summary>
    public void WriteEndElement() => EndElement(full: false);

    /// <summary>Closes the current element with an end tag even when it is empty.</summary>
    public void WriteFullEndElement() => EndElement(full: true);

    private void EndElement(bool full)
    {
        ref var frame = ref _frames[_depth - 1];
        if (_tagOpen)
        {
            FlushPendingNamespace(ref frame);
            _tagOpen = false;
            if (!full)
            {
                WriteAscii(" />");
                PopElement();
                return;
            }
            WriteByte((byte)'>');
        }
        WriteAscii("</");
        WriteName(frame.Name);
        WriteByte((byte)'>');
        PopElement();
    }

    private void PopElement()
    {
        _depth--;
        while (_prefixCount > 0 && _prefixes[_prefixCount - 1].Depth > _depth)
        {
            _prefixCount--;
        }
    }

    private bool IsDeclared(string prefix)
    {
        for (var i = _prefixCount - 1; i >= 0; i--)
        {
            if (_prefixes[i].Prefix == prefix)
            {
                return true;
            }
        }
        return false;
    }

    private void CloseStartTag()
    {
        if (_tagOpen)
        {
            FlushPendingNamespace(ref _frames[_depth - 1]);
            WriteByte((byte)'>');
            _tagOpen = false;
        }
    }

    private void FlushPendingNamespace(ref Frame frame)
    {
        if (frame.PendingNamespace is { } ns)
        {
            frame.PendingNamespace = null;
            WriteAttribute(null, "xmlns", ns);
        }
    }

    private void WriteAttribute(string? prefix, string name, string value)
    {
        WriteByte((byte)' ');
        if (prefix is not null)
        {
            WriteName(prefix);
            WriteByte((byte)':');
        }
        WriteName(name);
        WriteAscii("=\"");
        WriteEscaped(value, attribute: true);
        WriteByte((byte)'"');
    }

    private void WriteName(string name)
    {
        // Element and attribute names come from the models: ASCII in practice, UTF-8 otherwise.
        Ensure(Encoding.UTF8.GetMaxByteCount(name.Length));
        _position += Encoding.UTF8.GetBytes(name, _buffer.AsSpan(_position));
    }

    private void WriteEscaped(ReadOnlySpan<char> text, bool attribute)
    {
        while (!text.IsEmpty)
        {
            var run = text.IndexOfAnyExcept(Plain);
            if (run < 0)
            {
                run = text.Length;
            }
            if (run > 0)
            {
                Ensure(run);
                var destination = _buffer.AsSpan(_position, run);
                for (var i = 0; i < run; i++)
                {
                    destination[i] = (byte)text[i];
                }
                _position += run;
                text = text[run..];
                if (text.IsEmpty)
                {
                    return;
                }
            }
            var c = text[0];
            var consumed = 1;
            switch (c)
            {
                case '<': WriteAscii("&lt;"); break;
                case '>': WriteAscii("&gt;"); break;
                case '&': WriteAscii("&amp;"); break;
                case '"': if (attribute) { WriteAscii("&quot;"); } else { WriteByte((byte)'"'); } break;
                case '\'': WriteByte((byte)'\''); break;
                case '\t': if (attribute) { WriteAscii("&#x9;"); } else { WriteByte((byte)'\t'); } break;
                case '\n': if (attribute) { WriteAscii("&#xA;"); } else { WriteByte((byte)'\n'); } break;
                case '\r':
                    if (attribute)
                    {
                        WriteAscii("&#xD;");
                    }
                    else
                    {
                        if (text.Length > 1 && text[1] == '\n')
                        {
                            consumed = 2;
                        }
                        WriteByte((byte)'\n');
                    }
                    break;
                default:
                    if (c < 0x20 || c >= 0xFFFE)
                    {
                        WriteCharEntity(c);
                    }
                    else if (char.IsHighSurrogate(c))
                    {
                        if (text.Length < 2 || !char.IsLowSurrogate(text[1]))
                        {
                            throw new ArgumentException("Invalid high surrogate character in XML text.");
                        }
                        Ensure(4);
                        _position += Encoding.UTF8.GetBytes(text[..2], _buffer.AsSpan(_position));
                        consumed = 2;
                    }
                    else if (char.IsLowSurrogate(c))
                    {
                        throw new ArgumentException("Invalid low surrogate character in XML text.");
                    }
                    else
                    {
                        Ensure(3);
                        _position += Encoding.UTF8.GetBytes(text[..1], _buffer.AsSpan(_position));
                    }
                    break;
            }
            text = text[consumed..];
        }
    }

    private void WriteCharEntity(char c)
    {
        WriteAscii("&#x");
        Ensure(5);
        ((int)c).TryFormat(_buffer.AsSpan(_position), out var written, "X", System.Globalization.CultureInfo.InvariantCulture);
        _position += written;
        WriteByte((byte)';');
    }

    private void WriteAscii(string ascii)
    {
        Ensure(ascii.Length);
        var destination = _buffer.AsSpan(_position, ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            destination[i] = (byte)ascii[i];
        }
        _position += ascii.Length;
    }

    private void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[_position++] = b;
    }

    private void Ensure(int count)
    {
        if (_position + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _position + count));
        }
    }
}
