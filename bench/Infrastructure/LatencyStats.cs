namespace Threadline.Bench.Infrastructure;

/// <summary>Percentiles of a set of latencies in milliseconds (linear interpolation between ranks).</summary>
internal sealed class LatencyStats
{
    private readonly double[] _sorted;
    private readonly int? _count;
    private readonly double? _mean;

    public LatencyStats(IEnumerable<double> samples)
    {
        _sorted = samples.ToArray();
        Array.Sort(_sorted);
    }

    private LatencyStats(double[] sorted, int count, double mean)
    {
        _sorted = sorted;
        _count = count;
        _mean = mean;
    }

    /// <summary>
    /// From another tool's evenly spaced quantiles (wrk's q0, q0.1, ..., q100) of <paramref name="count"/>
    /// samples: interpolating between them as between sorted samples gives the same percentiles.
    /// </summary>
    public static LatencyStats FromQuantiles(IEnumerable<double> evenlySpaced, int count, double mean)
    {
        var sorted = evenlySpaced.ToArray();
        Array.Sort(sorted);
        return new LatencyStats(sorted, count, mean);
    }

    /// <summary>
    /// Several loads' latencies as one (a load spread over nodes): raw samples are joined; quantile summaries
    /// (wrk's) are each resampled at a number of evenly spaced points in proportion to their count.
    /// </summary>
    public static LatencyStats Combine(IReadOnlyList<LatencyStats> parts)
    {
        if (parts.Count == 1)
            return parts[0];
        if (parts.All(p => p._count is null))
            return new LatencyStats(parts.SelectMany(p => p._sorted));
        var count = parts.Sum(p => p.Count);
        if (count == 0)
            return new LatencyStats([]);
        var points = parts.Where(p => p.Count > 0).SelectMany(p =>
        {
            var n = Math.Max(2, (int)Math.Round(3000.0 * p.Count / count));
            return Enumerable.Range(0, n).Select(i => p.Percentile((double)i / (n - 1)));
        });
        return FromQuantiles(points, count, parts.Where(p => p.Count > 0).Sum(p => p.Mean * p.Count) / count);
    }

    public int Count => _count ?? _sorted.Length;
    public double Mean => _mean ?? (Count == 0 ? double.NaN : _sorted.Average());
    public double Min => Count == 0 || _sorted.Length == 0 ? double.NaN : _sorted[0];
    public double Max => Count == 0 || _sorted.Length == 0 ? double.NaN : _sorted[^1];
    public double P50 => Percentile(0.50);
    public double P95 => Percentile(0.95);
    public double P99 => Percentile(0.99);

    public double Percentile(double q)
    {
        if (Count == 0 || _sorted.Length == 0)
            return double.NaN;
        var rank = q * (_sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, _sorted.Length - 1);
        return _sorted[lo] + ((_sorted[hi] - _sorted[lo]) * (rank - lo));
    }

    /// <summary>At most <paramref name="points"/> points of the CDF: (latency, fraction at or below it), for the chart.</summary>
    public List<CdfPoint> Cdf(int points = 200)
    {
        var cdf = new List<CdfPoint>();
        if (Count == 0)
            return cdf;
        var fractions = Enumerable.Range(0, points + 1).Select(i => (double)i / points)
            .Concat([0.99, 0.995, 0.999]).Distinct().Order();
        foreach (var f in fractions)
            cdf.Add(new CdfPoint(Percentile(f), f));
        return cdf;
    }
}

internal readonly record struct CdfPoint(double Ms, double Fraction);

/// <summary>Latencies of one kind of request, gathered by many concurrent workers.</summary>
internal sealed class LatencyRecorder
{
    private readonly List<double> _samples = [];
    private long _errors;

    public long Errors => Interlocked.Read(ref _errors);
    public int Count { get { lock (_samples) return _samples.Count; } }

    public void Add(double ms)
    {
        lock (_samples)
            _samples.Add(ms);
    }

    public void Error() => Interlocked.Increment(ref _errors);

    public LatencyStats Stats()
    {
        lock (_samples)
            return new LatencyStats(_samples);
    }

    public static double Ms(long startTimestamp) => System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
}
