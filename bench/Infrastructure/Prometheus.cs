using System.Globalization;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The histograms of a Prometheus text scrape (<c>GET /metrics</c>): <c>name_bucket{le=...}</c>,
/// <c>name_sum</c>, <c>name_count</c>, summed over any other labels; and the other samples (counters,
/// gauges) by name, summed the same way.
/// </summary>
internal sealed class PrometheusScrape
{
    private readonly Dictionary<string, BucketHistogram> _histograms;
    private readonly Dictionary<string, double> _values;

    private PrometheusScrape(Dictionary<string, BucketHistogram> histograms, Dictionary<string, double> values)
    {
        _histograms = histograms;
        _values = values;
    }

    public static PrometheusScrape Empty { get; } = new([], []);

    public static async Task<PrometheusScrape> ReadAsync(HttpClient client, Uri baseUrl, CancellationToken ct)
    {
        var text = await client.GetStringAsync(new Uri(baseUrl, "metrics"), ct);
        return Parse(text);
    }

    /// <summary>
    /// Scrapes until <paramref name="metric"/> has counted at least <paramref name="minCount"/> observations
    /// (the exporter caches its answer for a few hundred milliseconds, and a run records its histograms
    /// just before it ends), or the timeout passes; returns the last scrape.
    /// </summary>
    public static async Task<PrometheusScrape> ReadAtLeastAsync(HttpClient client, Uri baseUrl, string metric, double minCount, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var scrape = await ReadAsync(client, baseUrl, ct);
            if (scrape.Histogram(metric).Count >= minCount || DateTime.UtcNow > deadline)
                return scrape;
            await Task.Delay(100, ct);
        }
    }

    public static PrometheusScrape Parse(string text)
    {
        var buckets = new Dictionary<string, SortedDictionary<double, double>>();
        var sums = new Dictionary<string, double>();
        var counts = new Dictionary<string, double>();
        var values = new Dictionary<string, double>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd < 0)
                continue;
            var name = line[..nameEnd];
            string labels = "";
            var rest = line[nameEnd..];
            if (rest.StartsWith('{'))
            {
                var close = rest.IndexOf('}');
                labels = rest[1..close];
                rest = rest[(close + 1)..];
            }
            var fields = rest.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !TryNumber(fields[0], out var value))
                continue;
            if (name.EndsWith("_bucket", StringComparison.Ordinal) && Label(labels, "le") is { } le && TryNumber(le, out var bound))
            {
                var metric = name[..^"_bucket".Length];
                if (!buckets.TryGetValue(metric, out var b))
                    buckets[metric] = b = [];
                b[bound] = b.GetValueOrDefault(bound) + value;
            }
            else if (name.EndsWith("_sum", StringComparison.Ordinal))
            {
                var metric = name[..^"_sum".Length];
                sums[metric] = sums.GetValueOrDefault(metric) + value;
            }
            else if (name.EndsWith("_count", StringComparison.Ordinal))
            {
                var metric = name[..^"_count".Length];
                counts[metric] = counts.GetValueOrDefault(metric) + value;
            }
            else
            {
                values[name] = values.GetValueOrDefault(name) + value;
            }
        }
        return new PrometheusScrape(buckets.ToDictionary(
            b => b.Key,
            b => new BucketHistogram(b.Value.Select(kv => new Bucket(kv.Key, kv.Value)).ToList(), sums.GetValueOrDefault(b.Key), counts.GetValueOrDefault(b.Key))),
            values);
    }

    /// <summary>The histogram, or an empty one when the metric was never recorded.</summary>
    public BucketHistogram Histogram(string name) => _histograms.GetValueOrDefault(name) ?? BucketHistogram.Empty;

    /// <summary>A counter or gauge (summed over its labels), or null when the server does not expose it.</summary>
    public double? Value(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary>
    /// The histogram named <paramref name="name"/>, or named so with a unit suffix the exporter added
    /// (<c>name_milliseconds</c>); null when the server does not expose it.
    /// </summary>
    public BucketHistogram? Find(string name) =>
        _histograms.GetValueOrDefault(name)
        ?? _histograms.Where(h => h.Key.StartsWith(name + "_", StringComparison.Ordinal)).OrderBy(h => h.Key.Length).Select(h => h.Value).FirstOrDefault();

    private static string? Label(string labels, string key)
    {
        foreach (var part in labels.Split(','))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq].Trim() == key)
                return part[(eq + 1)..].Trim().Trim('"');
        }
        return null;
    }

    private static bool TryNumber(string text, out double value)
    {
        if (text is "+Inf" or "Inf")
        {
            value = double.PositiveInfinity;
            return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}

internal readonly record struct Bucket(double UpperBound, double Cumulative);

/// <summary>A cumulative bucket histogram; <see cref="Minus"/> gives what a scenario recorded between two scrapes.</summary>
internal sealed class BucketHistogram(List<Bucket> buckets, double sum, double count)
{
    public static BucketHistogram Empty { get; } = new([], 0, 0);

    public IReadOnlyList<Bucket> Buckets => buckets;
    public double Sum => sum;
    public double Count => count;
    public double Mean => count == 0 ? double.NaN : sum / count;

    /// <summary>The same histogram of two processes, added (nodes of one deployment).</summary>
    public BucketHistogram Plus(BucketHistogram other)
    {
        if (other.Count == 0 && other.Buckets.Count == 0)
            return this;
        if (count == 0 && buckets.Count == 0)
            return other;
        var theirs = other.Buckets.ToDictionary(b => b.UpperBound, b => b.Cumulative);
        return new BucketHistogram(
            buckets.Select(b => new Bucket(b.UpperBound, b.Cumulative + theirs.GetValueOrDefault(b.UpperBound))).ToList(),
            sum + other.Sum, count + other.Count);
    }

    public BucketHistogram Minus(BucketHistogram before)
    {
        var earlier = before.Buckets.ToDictionary(b => b.UpperBound, b => b.Cumulative);
        return new BucketHistogram(
            buckets.Select(b => new Bucket(b.UpperBound, b.Cumulative - earlier.GetValueOrDefault(b.UpperBound))).ToList(),
            sum - before.Sum, count - before.Count);
    }

    /// <summary>
    /// The <paramref name="q"/> quantile by linear interpolation inside the bucket that holds it (as
    /// Prometheus' histogram_quantile does); in the +Inf bucket, the largest finite bound.
    /// </summary>
    public double Percentile(double q)
    {
        var total = buckets.Count == 0 ? 0 : buckets[^1].Cumulative;
        if (total <= 0)
            return double.NaN;
        var rank = q * total;
        var lowerBound = 0.0;
        var lowerCount = 0.0;
        foreach (var b in buckets)
        {
            if (b.Cumulative >= rank)
            {
                if (double.IsPositiveInfinity(b.UpperBound))
                    return lowerBound;
                var inBucket = b.Cumulative - lowerCount;
                return inBucket <= 0 ? b.UpperBound : lowerBound + ((b.UpperBound - lowerBound) * (rank - lowerCount) / inBucket);
            }
            lowerBound = b.UpperBound;
            lowerCount = b.Cumulative;
        }
        return lowerBound;
    }

    /// <summary>The CDF at each finite bucket bound, for the chart.</summary>
    public List<CdfPoint> Cdf()
    {
        var total = buckets.Count == 0 ? 0 : buckets[^1].Cumulative;
        if (total <= 0)
            return [];
        // Up to the first bound that holds every observation: the bounds above it add nothing.
        var points = new List<CdfPoint>();
        foreach (var b in buckets.Where(b => !double.IsPositiveInfinity(b.UpperBound)))
        {
            points.Add(new CdfPoint(b.UpperBound, b.Cumulative / total));
            if (b.Cumulative >= total)
                break;
        }
        return points;
    }
}
