using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>
/// What the storage comparison scenarios (pg-*) share: the same workload on each <see cref="Topology"/>, each on
/// a fresh store (on PostgreSQL a database of its own, dropped after), and rows compared to each topology's baseline
/// (PostgreSQL on one node against SQLite on one node; three nodes against one).
/// </summary>
internal static class StorageComparison
{
    public static async Task<Dictionary<Topology, T>> EachAsync<T>(BenchContext ctx, ScenarioResult result, IReadOnlyList<Topology> topologies,
        Func<Topology, ServerStore, Task<T>> measure, CancellationToken ct)
    {
        var measured = new Dictionary<Topology, T>();
        foreach (var topology in topologies)
        {
            ctx.Log($"-- {topology.Label}");
            var store = await ctx.NewStoreAsync(result.Name, topology, ct);
            try
            {
                measured[topology] = await measure(topology, store);
            }
            finally
            {
                await ctx.DiscardAsync(store);
            }
        }
        if (topologies.Any(t => t.Postgres))
            result.Detail("PostgreSQL", (await ctx.PostgresAsync(ct)).Description);
        return measured;
    }

    /// <summary>One operation's rows, one per topology, each compared to its baseline.</summary>
    public static void Rows(ScenarioResult result, Dictionary<Topology, ResultRow> rows)
    {
        foreach (var (topology, row) in rows)
            result.Row(topology.Baseline is { } baseline && rows.TryGetValue(baseline, out var other) ? row.ComparedTo(other) : row);
    }

    /// <summary>The warnings each node logged, named by node.</summary>
    public static void Warnings(ScenarioResult result, Deployment deployment)
    {
        for (var i = 0; i < deployment.Nodes.Count; i++)
            result.Warnings(deployment.Nodes[i], deployment.Nodes.Count == 1 ? deployment.Topology.Label : $"{deployment.Topology.Label}, node {i + 1}");
    }

    /// <summary>CPU per unit of work of every topology: per node, PostgreSQL's, and in all.</summary>
    public static void CpuDetails<T>(ScenarioResult result, Dictionary<Topology, T> measured, string unit, Func<T, CpuReading> cpu, Func<T, double> units)
    {
        foreach (var (topology, m) in measured)
            result.Detail($"{topology.Label}: CPU per {unit} (ms)", cpu(m).PerUnitMs(units(m)));
    }

    /// <summary>The issue's throughput targets, reported: PostgreSQL on one node against SQLite, three nodes against one.</summary>
    public static void ThroughputTargets(ScenarioResult result, Dictionary<Topology, ResultRow> rows, string what, double? postgresGoal)
    {
        var sqlite = rows.GetValueOrDefault(Topology.SqliteOneNode)?.ThroughputPerSecond;
        var one = rows.GetValueOrDefault(Topology.PostgresOneNode)?.ThroughputPerSecond;
        var three = rows.GetValueOrDefault(Topology.PostgresThreeNodes)?.ThroughputPerSecond;
        if (postgresGoal is { } goal)
        {
            var ratio = Format.Ratio(one, sqlite);
            result.Target($"{what}: PostgreSQL ≥ {goal:0.0#} × SQLite (1 node)", $"≥ {goal:0.0#}",
                $"{Format.Num(ratio, "0.000")} ({Format.Num(one)}/s vs {Format.Num(sqlite)}/s)", ratio is { } r ? r >= goal : null);
        }
        var overhead = Format.Ratio(three, one);
        result.Target($"{what}: 3 nodes ≥ 0.85 × 1 node (PostgreSQL, one machine: overhead only)", "≥ 0.85",
            $"{Format.Num(overhead, "0.000")} ({Format.Num(three)}/s vs {Format.Num(one)}/s)", overhead is { } o ? o >= 0.85 : null);
    }
}
