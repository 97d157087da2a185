using System.Globalization;
using System.Numerics;
using System.Text;

namespace Gureum.Services.DynamoDb;

/// <summary>
/// A DynamoDB number: exact decimal, up to 38 significant digits, magnitude 1E-130 .. 9.99..E+125.
/// Value = Mantissa * 10^Exponent with no trailing zeros in Mantissa (zero is 0 * 10^0).
/// </summary>
public readonly struct DdbNumber : IComparable<DdbNumber>, IEquatable<DdbNumber>
{
    public const int MaxDigits = 38;

    public BigInteger Mantissa { get; }
    public int Exponent { get; }

    private DdbNumber(BigInteger mantissa, int exponent)
    {
        if (mantissa.IsZero)
        {
            Mantissa = BigInteger.Zero;
            Exponent = 0;
            return;
        }
        while (mantissa % 10 == 0)
        {
            mantissa /= 10;
            exponent++;
        }
        Mantissa = mantissa;
        Exponent = exponent;
    }

    public bool IsZero => Mantissa.IsZero;
    public int Sign => Mantissa.Sign;

    /// <summary>Number of significant digits of the mantissa.</summary>
    public int Digits => Mantissa.IsZero ? 0 : BigInteger.Abs(Mantissa).ToString(CultureInfo.InvariantCulture).Length;

    /// <summary>Parses DynamoDB's number syntax; throws DdbValidation with AWS's messages.</summary>
    public static DdbNumber Parse(string text)
    {
        if (!TryParseSyntax(text, out var value))
        {
            throw DdbErrors.Validation("A value provided cannot be converted into a number");
        }
        value.CheckRange();
        return value;
    }

    public static bool TryParseSyntax(string text, out DdbNumber value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var i = 0;
        var negative = false;
        if (text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }
        var digits = new StringBuilder();
        var fractionDigits = 0;
        var sawDigit = false;
        var sawDot = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '0' and <= '9')
            {
                sawDigit = true;
                if (digits.Length > 0 || c != '0')
                {
                    digits.Append(c);
                }
                if (sawDot)
                {
                    fractionDigits++;
                }
            }
            else if (c == '.' && !sawDot)
            {
                sawDot = true;
            }
            else
            {
                break;
            }
        }
        if (!sawDigit)
        {
            return false;
        }
        long exp = 0;
        if (i < text.Length)
        {
            if (text[i] is not ('e' or 'E'))
            {
                return false;
            }
            i++;
            var expNegative = false;
            if (i < text.Length && text[i] is '+' or '-')
            {
                expNegative = text[i] == '-';
                i++;
            }
            if (i >= text.Length)
            {
                return false;
            }
            for (; i < text.Length; i++)
            {
                if (text[i] is not (>= '0' and <= '9'))
                {
                    return false;
                }
                if (exp < 100000)
                {
                    exp = exp * 10 + (text[i] - '0');
                }
            }
            if (expNegative)
            {
                exp = -exp;
            }
        }
        if (digits.Length == 0)
        {
            value = default;
            return true;
        }
        // Strip trailing zeros before building the BigInteger so long inputs stay cheap.
        var s = digits.ToString();
        var trimmed = s.TrimEnd('0');
        var exponent = exp - fractionDigits + (s.Length - trimmed.Length);
        if (trimmed.Length > 200 || exponent is > 100000 or < -100000)
        {
            // Far outside anything representable; keep the digits count meaningful for the error.
            if (trimmed.Length > MaxDigits)
            {
                value = new DdbNumber(BigInteger.Parse(trimmed[..(MaxDigits + 1)], CultureInfo.InvariantCulture), 0);
                return true;
            }
        }
        var mantissa = BigInteger.Parse(trimmed, CultureInfo.InvariantCulture);
        value = new DdbNumber(negative ? -mantissa : mantissa, (int)Math.Clamp(exponent, -1000000, 1000000));
        return true;
    }

    /// <summary>Adjusted exponent: the power of ten of the leading digit.</summary>
    private int AdjustedExponent => Exponent + Digits - 1;

    public void CheckRange()
    {
        if (IsZero)
        {
            return;
        }
        if (Digits > MaxDigits)
        {
            throw DdbErrors.Validation("Attempting to store more than 38 significant digits in a Number");
        }
        if (AdjustedExponent > 125)
        {
            throw DdbErrors.Validation("Number overflow. Attempting to store a number with magnitude larger than supported range");
        }
        if (AdjustedExponent < -130)
        {
            throw DdbErrors.Validation("Number underflow. Attempting to store a number with magnitude smaller than supported range");
        }
    }

    public static DdbNumber operator +(DdbNumber a, DdbNumber b)
    {
        var e = Math.Min(a.Exponent, b.Exponent);
        var sum = a.Mantissa * BigInteger.Pow(10, a.Exponent - e) + b.Mantissa * BigInteger.Pow(10, b.Exponent - e);
        return new DdbNumber(sum, e);
    }

    public static DdbNumber operator -(DdbNumber a) => new(-a.Mantissa, a.Exponent);

    public static DdbNumber operator -(DdbNumber a, DdbNumber b) => a + (-b);

    public int CompareTo(DdbNumber other)
    {
        if (Sign != other.Sign)
        {
            return Sign.CompareTo(other.Sign);
        }
        var e = Math.Min(Exponent, other.Exponent);
        // Cheap path: compare adjusted exponents first when signs agree and both non-zero.
        if (Sign != 0 && AdjustedExponent != other.AdjustedExponent)
        {
            var c = AdjustedExponent.CompareTo(other.AdjustedExponent);
            return Sign > 0 ? c : -c;
        }
        var x = Mantissa * BigInteger.Pow(10, Exponent - e);
        var y = other.Mantissa * BigInteger.Pow(10, other.Exponent - e);
        return x.CompareTo(y);
    }

    public bool Equals(DdbNumber other) => Mantissa == other.Mantissa && Exponent == other.Exponent;
    public override bool Equals(object? obj) => obj is DdbNumber n && Equals(n);
    public override int GetHashCode() => HashCode.Combine(Mantissa, Exponent);
    public static bool operator ==(DdbNumber a, DdbNumber b) => a.Equals(b);
    public static bool operator !=(DdbNumber a, DdbNumber b) => !a.Equals(b);
    public static bool operator <(DdbNumber a, DdbNumber b) => a.CompareTo(b) < 0;
    public static bool operator >(DdbNumber a, DdbNumber b) => a.CompareTo(b) > 0;
    public static bool operator <=(DdbNumber a, DdbNumber b) => a.CompareTo(b) <= 0;
    public static bool operator >=(DdbNumber a, DdbNumber b) => a.CompareTo(b) >= 0;

    /// <summary>DynamoDB's canonical text: plain decimal notation, no exponent, no trailing zeros.</summary>
    public override string ToString()
    {
        if (IsZero)
        {
            return "0";
        }
        var digits = BigInteger.Abs(Mantissa).ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(digits.Length + 8);
        if (Mantissa.Sign < 0)
        {
            sb.Append('-');
        }
        if (Exponent >= 0)
        {
            sb.Append(digits).Append('0', Exponent);
        }
        else
        {
            var point = digits.Length + Exponent;
            if (point > 0)
            {
                sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
            }
            else
            {
                sb.Append("0.").Append('0', -point).Append(digits);
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Order-preserving text encoding (UTF-8 byte order = numeric order) for storage keys.
    /// Zero is "2"; positives "3" + (E+500 as 4 digits) + digits + "!"; negatives "1" + (9999-(E+500)) + 9-complement digits + "~".
    /// </summary>
    public string ToSortKey()
    {
        if (IsZero)
        {
            return "2";
        }
        var digits = BigInteger.Abs(Mantissa).ToString(CultureInfo.InvariantCulture);
        var e = Exponent + digits.Length + 500; // 0.d1d2... x 10^E
        var sb = new StringBuilder(digits.Length + 6);
        if (Mantissa.Sign > 0)
        {
            sb.Append('3').Append(e.ToString("D4", CultureInfo.InvariantCulture)).Append(digits).Append('!');
        }
        else
        {
            sb.Append('1').Append((9999 - e).ToString("D4", CultureInfo.InvariantCulture));
            foreach (var c in digits)
            {
                sb.Append((char)('9' - c + '0'));
            }
            sb.Append('~');
        }
        return sb.ToString();
    }
}
