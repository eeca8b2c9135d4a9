using System.Text;

namespace Threadline.Bench.Reporting;

/// <summary>The results and targets as aligned text, for the console.</summary>
internal static class TextTable
{
    public static string Write(BenchReport report)
    {
        var rows = new List<string[]>
        {
            new[] { "scenario", "system", "operation", "n", "err", "thr/s", "p50 ms", "p95 ms", "p99 ms", "peak RSS MB", "thr ×base", "p50 ×base", "p99 ×base" },
        };
        foreach (var s in report.Scenarios)
        {
            foreach (var r in s.Rows)
            {
                rows.Add([s.Name, r.System, r.Operation, r.Count.ToString(Format.Inv), r.Errors.ToString(Format.Inv), Format.Num(r.ThroughputPerSecond),
                    Format.Ms(r.P50Ms), Format.Ms(r.P95Ms), Format.Ms(r.P99Ms), Format.Num(r.PeakRssMb, "0.0"),
                    Format.Num(r.ThroughputRatio, "0.000"), Format.Num(r.P50Ratio, "0.00"), Format.Num(r.P99Ratio, "0.00")]);
            }
            if (s.Error is not null)
                rows.Add([s.Name, "FAILED", s.Error, "", "", "", "", "", "", "", "", "", ""]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var r in rows)
            text.AppendLine(string.Join("  ", r.Select((cell, i) => i >= 3 ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))).TrimEnd());
        text.AppendLine();
        foreach (var s in report.Scenarios)
        {
            foreach (var t in s.Targets)
                text.AppendLine($"{(t.Met switch { true => "MET    ", false => "NOT MET", null => "n/a    " })}  {s.Name}: {t.Name}: {t.Measured}");
        }
        return text.ToString();
    }
}
