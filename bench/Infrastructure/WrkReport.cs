using System.Globalization;

namespace Threadline.Bench.Infrastructure;

/// <summary>What wrk-load.lua's <c>done()</c> wrote: counts, latency quantiles, wrk's own CPU, and the collected ids.</summary>
internal sealed record WrkReport(long Requests, double Seconds, long Errors, long StatusErrors, LatencyStats Latency, double CpuSeconds,
    string? FirstFailure, IReadOnlyList<string> AckedIds)
{
    public static async Task<WrkReport> ReadAsync(string resultFile, string? idsFile, CancellationToken ct)
    {
        long requests = 0, errors = 0, statusErrors = 0;
        double seconds = 0, meanMs = double.NaN, cpu = 0;
        string? firstFailure = null;
        var quantiles = new List<double>();
        foreach (var line in await File.ReadAllLinesAsync(resultFile, ct))
        {
            var space = line.IndexOf(' ');
            if (space < 0)
                continue;
            var (key, value) = (line[..space], line[(space + 1)..]);
            switch (key)
            {
                case "requests": requests = (long)Number(value); break;
                case "duration_us": seconds = Number(value) / 1e6; break;
                case "errors":
                    // connect read write status timeout
                    var counts = value.Split(' ').Select(v => (long)Number(v)).ToArray();
                    errors = counts.Sum();
                    statusErrors = counts[3];
                    break;
                case "mean_us": meanMs = Number(value) / 1000; break;
                case "quantile_us": quantiles.Add(Number(value) / 1000); break;
                case "stat": cpu = ProcessSample.CpuSecondsOf(value); break;
                case "first_failure": firstFailure = value.Trim().Length > 0 ? value.Trim() : null; break;
            }
        }
        var answered = (int)Math.Clamp(requests - statusErrors, 0, int.MaxValue);
        var latency = requests > 0 ? LatencyStats.FromQuantiles(quantiles, answered, meanMs) : new LatencyStats([]);
        IReadOnlyList<string> ids = idsFile is not null && File.Exists(idsFile) ? await File.ReadAllLinesAsync(idsFile, ct) : [];
        return new WrkReport(requests, Math.Max(seconds, 1e-6), errors, statusErrors, latency, cpu, firstFailure, ids);
    }

    /// <summary>wrk prints integers and floats; an empty histogram's mean comes out as "nan".</summary>
    private static double Number(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}
