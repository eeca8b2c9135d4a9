using System.Globalization;
using System.Net;
using System.Text;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Reporting;

/// <summary>
/// benchmarks.svg, written by hand: one panel per scenario with the latency distributions as CDFs.
/// x: latency in ms on a log scale; y: percentile on a tail scale (−log10(1 − p): p50, p90, p99, p99.9
/// equally apart). Series from the server's buckets are dashed with a marker on each bucket bound.
/// </summary>
internal static class SvgChart
{
    private const int Width = 960;
    private const int PanelHeight = 300;
    private const int Left = 70, Right = 300, Top = 40, Bottom = 45;
    private const double MaxY = 3; // p99.9
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    public static string Write(BenchReport report)
    {
        var panels = report.Scenarios.Where(s => s.Charts.Any(c => c.Points.Count > 0)).ToList();
        var height = Math.Max(1, panels.Count) * PanelHeight + 40;
        var svg = new StringBuilder();
        svg.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Inv($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>"));
        svg.AppendLine(Inv($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">Threadline latency distributions ({Esc(report.Machine.Cores.ToString(CultureInfo.InvariantCulture))} cores, commit {Esc(report.Commit[..Math.Min(10, report.Commit.Length)])}{(report.Smoke ? ", smoke" : "")})</text>"));
        for (var i = 0; i < panels.Count; i++)
            Panel(svg, panels[i], 40 + (i * PanelHeight));
        if (panels.Count == 0)
            svg.AppendLine("<text x=\"20\" y=\"60\">No latency series were measured.</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, ScenarioResult scenario, int y0)
    {
        var series = scenario.Charts.Where(c => c.Points.Count > 0).ToList();
        var all = series.SelectMany(Drawn).Select(p => p.Ms).Where(v => v > 0).DefaultIfEmpty(1).ToList();
        var lo = Math.Floor(Math.Log10(Math.Max(0.01, all.Min())));
        var hi = Math.Ceiling(Math.Log10(Math.Max(all.Max(), Math.Pow(10, lo + 1))));
        if (hi <= lo)
            hi = lo + 1;
        var plotW = Width - Left - Right;
        var plotH = PanelHeight - Top - Bottom;
        var px0 = Left;
        var py0 = y0 + Top;
        double X(double ms) => px0 + ((Math.Log10(Math.Max(ms, Math.Pow(10, lo))) - lo) / (hi - lo) * plotW);
        double Y(double fraction) => py0 + plotH - (Tail(fraction) / MaxY * plotH);

        svg.AppendLine(Inv($"<text x=\"{Left}\" y=\"{y0 + 22}\" font-size=\"14\" font-weight=\"bold\">{Esc(scenario.Title)}</text>"));
        svg.AppendLine(Inv($"<rect x=\"{px0}\" y=\"{py0}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"#fafafa\" stroke=\"#999\"/>"));
        for (var d = lo; d <= hi; d++)
        {
            var x = X(Math.Pow(10, d));
            svg.AppendLine(Inv($"<line x1=\"{x:0.#}\" y1=\"{py0}\" x2=\"{x:0.#}\" y2=\"{py0 + plotH}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(Inv($"<text x=\"{x:0.#}\" y=\"{py0 + plotH + 16}\" text-anchor=\"middle\">{Esc(Label(Math.Pow(10, d)))}</text>"));
            if (d < hi)
            {
                foreach (var m in new[] { 2, 5 })
                {
                    var xm = X(m * Math.Pow(10, d));
                    svg.AppendLine(Inv($"<line x1=\"{xm:0.#}\" y1=\"{py0}\" x2=\"{xm:0.#}\" y2=\"{py0 + plotH}\" stroke=\"#eee\"/>"));
                }
            }
        }
        svg.AppendLine(Inv($"<text x=\"{px0 + (plotW / 2)}\" y=\"{py0 + plotH + 34}\" text-anchor=\"middle\">latency (ms, log scale)</text>"));
        foreach (var (f, label) in new[] { (0.0, "p0"), (0.5, "p50"), (0.9, "p90"), (0.95, "p95"), (0.99, "p99"), (0.999, "p99.9") })
        {
            var y = Y(f);
            svg.AppendLine(Inv($"<line x1=\"{px0}\" y1=\"{y:0.#}\" x2=\"{px0 + plotW}\" y2=\"{y:0.#}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(Inv($"<text x=\"{px0 - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{label}</text>"));
        }

        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = Colors[i % Colors.Length];
            var points = Drawn(s);
            var path = string.Join(" ", points.Select((p, k) => Inv($"{(k == 0 ? 'M' : 'L')}{X(p.Ms):0.#},{Y(p.Fraction):0.#}")));
            svg.AppendLine(Inv($"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(s.FromBuckets ? " stroke-dasharray=\"6 3\"" : "")}/>"));
            if (s.FromBuckets)
            {
                foreach (var p in points)
                    svg.AppendLine(Inv($"<circle cx=\"{X(p.Ms):0.#}\" cy=\"{Y(p.Fraction):0.#}\" r=\"2.5\" fill=\"{color}\"/>"));
            }
            var ly = py0 + 10 + (i * 34);
            var lx = px0 + plotW + 14;
            svg.AppendLine(Inv($"<line x1=\"{lx}\" y1=\"{ly}\" x2=\"{lx + 22}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"{(s.FromBuckets ? " stroke-dasharray=\"6 3\"" : "")}/>"));
            svg.AppendLine(Inv($"<text x=\"{lx + 28}\" y=\"{ly + 4}\">{Esc(Shorten(s.Name, 34))}</text>"));
            var p50 = At(s.Points, 0.5);
            var p99 = At(s.Points, 0.99);
            svg.AppendLine(Inv($"<text x=\"{lx + 28}\" y=\"{ly + 18}\" fill=\"#555\" font-size=\"11\">p50 {Esc(Format.Ms(p50))} ms, p99 {Esc(Format.Ms(p99))} ms</text>"));
        }
    }

    /// <summary>The points drawn: up to p99.9, and on to the first point past it (drawn at the top), so that a tail ends where it ends.</summary>
    private static List<CdfPoint> Drawn(ChartSeries s)
    {
        var ordered = s.Points.OrderBy(p => p.Fraction).ThenBy(p => p.Ms).ToList();
        return ordered.Where(p => p.Fraction <= 0.9995).Concat(ordered.Where(p => p.Fraction > 0.9995).Take(1)).ToList();
    }

    /// <summary>The latency at a fraction, interpolated linearly between the CDF points around it (from 0 ms at 0).</summary>
    private static double? At(List<CdfPoint> points, double fraction)
    {
        var previous = new CdfPoint(0, 0);
        foreach (var p in points.OrderBy(p => p.Fraction).ThenBy(p => p.Ms))
        {
            if (p.Fraction >= fraction - 1e-9)
            {
                var span = p.Fraction - previous.Fraction;
                return span <= 1e-12 ? p.Ms : previous.Ms + ((p.Ms - previous.Ms) * (fraction - previous.Fraction) / span);
            }
            previous = p;
        }
        return null;
    }

    private static double Tail(double fraction) => Math.Min(MaxY, -Math.Log10(Math.Max(1e-9, 1 - Math.Min(fraction, 0.999))));

    private static string Label(double ms) => ms >= 1000 ? (ms / 1000).ToString("0.##", CultureInfo.InvariantCulture) + " s" : ms.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Esc(string s) => WebUtility.HtmlEncode(s);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
