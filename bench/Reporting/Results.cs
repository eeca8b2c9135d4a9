using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Reporting;

/// <summary>Everything one invocation measured, as written to benchmarks.json.</summary>
internal sealed class BenchReport
{
    public required MachineInfo Machine { get; init; }
    public required string Commit { get; init; }
    public required bool WorkTreeDirty { get; init; }
    /// <summary><c>git diff --shortstat HEAD -- src</c>: uncommitted server changes that were built and measured.</summary>
    public string SourceDiff { get; init; } = "";
    public required string Command { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public double DurationSeconds { get; set; }
    public required bool Smoke { get; init; }
    public required Dictionary<string, string> Options { get; init; }
    public List<ScenarioResult> Scenarios { get; } = [];
}

internal sealed record MachineInfo(int Cores, double MemoryGb, string Cpu, string Os, string Runtime, string Disk);

/// <summary>One scenario: rows of the table, its targets, details (counters, setup) and CDFs for the chart.</summary>
internal sealed class ScenarioResult
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    public string Setup { get; set; } = "";
    public List<ResultRow> Rows { get; } = [];
    public List<TargetResult> Targets { get; } = [];
    public List<Detail> Details { get; } = [];
    public List<ChartSeries> Charts { get; } = [];
    public double DurationSeconds { get; set; }
    public string? Error { get; set; }

    public void Detail(string name, object? value) => Details.Add(new Detail(name, Format.Value(value)));

    /// <summary>How many warnings the server logged, and the first few distinct ones.</summary>
    public void Warnings(ServiceProcess server, string label = "Threadline")
    {
        Detail($"{label}: warnings logged", server.WarningLines);
        foreach (var warning in server.FirstWarnings)
            Detail($"{label}: warning", warning.Length > 400 ? warning[..400] + "…" : warning);
    }

    public ResultRow Row(ResultRow row)
    {
        Rows.Add(row);
        return row;
    }

    /// <summary>A target: <paramref name="met"/> null when it could not be measured.</summary>
    public void Target(string name, string goal, string measured, bool? met) => Targets.Add(new TargetResult(name, goal, measured, met));

    public void Chart(string name, IEnumerable<CdfPoint> points, bool fromBuckets = false) =>
        Charts.Add(new ChartSeries(name, points.Where(p => p.Ms > 0 && double.IsFinite(p.Ms)).ToList(), fromBuckets));
}

/// <summary>A line of the results table. Ratios are this row over its baseline row (throughput, p50, p99).</summary>
internal sealed record ResultRow
{
    public required string System { get; init; }
    public required string Operation { get; init; }
    public long Count { get; init; }
    public long Errors { get; init; }
    public double? ThroughputPerSecond { get; init; }
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? P99Ms { get; init; }
    public double? PeakRssMb { get; init; }
    public double? RssAfterMb { get; init; }
    public string Source { get; init; } = "client";
    public string? Baseline { get; init; }
    public double? ThroughputRatio { get; init; }
    public double? P50Ratio { get; init; }
    public double? P99Ratio { get; init; }

    public static ResultRow From(string system, string operation, LatencyStats stats, long errors, double? throughput,
        ProcessSample? server = null, ProcessSample? after = null) => new()
    {
        System = system,
        Operation = operation,
        Count = stats.Count,
        Errors = errors,
        ThroughputPerSecond = Format.Finite(throughput),
        P50Ms = Format.Finite(stats.P50),
        P95Ms = Format.Finite(stats.P95),
        P99Ms = Format.Finite(stats.P99),
        PeakRssMb = server?.PeakRssMb,
        RssAfterMb = (after ?? server)?.RssMb,
    };

    public static ResultRow FromBuckets(string system, string operation, BucketHistogram h, ProcessSample? server = null) => new()
    {
        System = system,
        Operation = operation,
        Count = (long)h.Count,
        P50Ms = Format.Finite(h.Percentile(0.50)),
        P95Ms = Format.Finite(h.Percentile(0.95)),
        P99Ms = Format.Finite(h.Percentile(0.99)),
        PeakRssMb = server?.PeakRssMb,
        RssAfterMb = server?.RssMb,
        Source = "/metrics",
    };

    public ResultRow ComparedTo(ResultRow baseline) => this with
    {
        Baseline = baseline.System,
        ThroughputRatio = Format.Ratio(ThroughputPerSecond, baseline.ThroughputPerSecond),
        P50Ratio = Format.Ratio(P50Ms, baseline.P50Ms),
        P99Ratio = Format.Ratio(P99Ms, baseline.P99Ms),
    };
}

internal sealed record TargetResult(string Name, string Goal, string Measured, bool? Met);

internal sealed record Detail(string Name, string Value);

internal sealed record ChartSeries(string Name, List<CdfPoint> Points, bool FromBuckets);

internal static class Format
{
    public static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;

    public static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;

    public static string Ms(double? x) => x is { } v ? (v < 10 ? v.ToString("0.00", Inv) : v < 100 ? v.ToString("0.0", Inv) : v.ToString("0", Inv)) : "–";

    public static string Num(double? x, string format = "0") => x is { } v ? v.ToString(format, Inv) : "–";

    public static string Value(object? value) => value switch
    {
        null => "–",
        double d => double.IsFinite(d) ? (Math.Abs(d) >= 100 ? d.ToString("0", Inv) : d.ToString("0.###", Inv)) : "–",
        float f => Value((double)f),
        IFormattable f => f.ToString(null, Inv),
        _ => value.ToString() ?? "",
    };

    public static System.Globalization.CultureInfo Inv => System.Globalization.CultureInfo.InvariantCulture;
}
