using Threadline.Bench.Reporting;

namespace Threadline.Bench.Infrastructure;

/// <summary>CPU seconds of each node and of PostgreSQL (NaN on SQLite) at one moment, or used between two.</summary>
internal sealed record CpuReading(IReadOnlyList<double> Nodes, double Postgres)
{
    public CpuReading Minus(CpuReading before) =>
        new(Nodes.Select((n, i) => n - before.Nodes[i]).ToList(), Postgres - before.Postgres);

    /// <summary>Milliseconds of CPU per unit of work, per node and then PostgreSQL's: "0.091 / 0.088 / 0.090; PostgreSQL 0.050".</summary>
    public string PerUnitMs(double units)
    {
        if (units <= 0)
            return "–";
        var nodes = string.Join(" / ", Nodes.Select(n => Format.Num(n * 1000 / units, "0.000")));
        var total = Nodes.Sum() + (double.IsNaN(Postgres) ? 0 : Postgres);
        return double.IsNaN(Postgres)
            ? $"{nodes} (node)"
            : $"{nodes} (node{(Nodes.Count == 1 ? "" : "s")}); PostgreSQL {Format.Num(Postgres * 1000 / units, "0.000")}; all {Format.Num(total * 1000 / units, "0.000")}";
    }
}
