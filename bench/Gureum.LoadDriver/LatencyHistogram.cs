using System.Numerics;

namespace Gureum.LoadDriver;

/// <summary>
/// Log-linear latency histogram in microseconds (HdrHistogram-like, fixed memory, no allocation
/// on <see cref="Record"/>). Values below 256 µs are exact; above, each power of two is split
/// into 128 sub-buckets, so any reported value is within 0.8% of the true one. Not thread-safe:
/// each worker owns one and they are merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearLimit = 256;          // 2^8: exact below this
    private const int SubBucketBits = 7;          // 128 sub-buckets per power of two
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MaxMsb = 40;                // ~12.7 days in µs; larger values are clamped
    private const int BucketCount = LinearLimit + (MaxMsb - 8 + 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }
    public long Min { get; private set; } = long.MaxValue;
    public long Max { get; private set; }
    private double _sum;

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        _counts[IndexOf(micros)]++;
        Count++;
        _sum += micros;
        if (micros > Max)
        {
            Max = micros;
        }

        if (micros < Min)
        {
            Min = micros;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _sum += other._sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    public double Mean => Count == 0 ? 0 : _sum / Count;

    /// <summary>Value at the given percentile (0-100): the highest value equivalent to the bucket holding it, capped at Max.</summary>
    public long Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        long rank = (long)Math.Ceiling(percentile / 100.0 * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalent(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return (int)micros;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)micros);
        if (msb > MaxMsb)
        {
            return BucketCount - 1;
        }

        int shift = msb - SubBucketBits;
        int sub = (int)(micros >> shift) - SubBuckets; // top 8 bits are 1xxxxxxx → 0..127
        return LinearLimit + (msb - 8) * SubBuckets + sub;
    }

    internal static long HighestEquivalent(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        int msb = 8 + (index - LinearLimit) / SubBuckets;
        int sub = (index - LinearLimit) % SubBuckets;
        int shift = msb - SubBucketBits;
        long lowest = (long)(SubBuckets + sub) << shift;
        return lowest + (1L << shift) - 1;
    }
}
