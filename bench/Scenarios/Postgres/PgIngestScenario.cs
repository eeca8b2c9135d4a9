using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>
/// pg-ingest: the ingest scenario's load (<c>messages.create</c> on random existing threads) on SQLite
/// (1 node), PostgreSQL (1 node) and PostgreSQL (3 nodes, the connections dealt to them round-robin).
/// Targets (reported): PostgreSQL ≥ 0.7 × SQLite; 3 nodes ≥ 0.85 × 1 node.
/// </summary>
internal static class PgIngestScenario
{
    private sealed record Measured(SpreadLoad.Measured Load, ProcessSample Largest);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        result.Setup = $"On each system: {o.Threads:N0} threads made through the API, then {o.Clients} connections (closed loop, {ctx.Load.Name}) post " +
            $"`POST /v1/threads/{{id}}/messages` to random threads for {o.WarmupSeconds:0.#} s of warm-up and {o.DurationSeconds:0.#} s measured. " +
            "With 3 nodes (three Threadline processes on one PostgreSQL database) connection i goes to node i mod 3, one load generator per node, all at once. " +
            "CPU per message = utime + stime over the measured window / messages answered: each node's, and PostgreSQL's (its postmaster and children, from /proc).";

        var measured = await StorageComparison.EachAsync(ctx, result, Topology.Compared, async (topology, store) =>
        {
            await using var deployment = await Deployment.StartAsync(ctx, topology, store, [], ct);
            using var clients = new NodeClients(deployment);
            var threads = await clients.MakeThreadsAsync(o.Threads, o.Clients, ct);
            var request = new LoadRequest("POST", IngestScenario.MessagesPath, IngestScenario.Body) { Ids = threads };
            var load = await SpreadLoad.RunAsync(ctx.Load, deployment, request, o.Clients,
                TimeSpan.FromSeconds(o.WarmupSeconds), TimeSpan.FromSeconds(o.DurationSeconds), ct);
            ctx.Log($"{topology.Label}: {load.Load.Throughput:0} msg/s, p99 {load.Load.Stats.P99:0.0} ms, {load.Load.Errors} errors");
            StorageComparison.Warnings(result, deployment);
            return new Measured(load, deployment.LargestNode());
        }, ct);

        var rows = measured.ToDictionary(m => m.Key, m =>
            ResultRow.From(m.Key.Label, "POST messages", m.Value.Load.Load.Stats, m.Value.Load.Load.Errors, m.Value.Load.Load.Throughput, m.Value.Largest));
        StorageComparison.Rows(result, rows);
        foreach (var (topology, m) in measured)
        {
            result.Chart($"{topology.Label}: messages.create", m.Load.Load.Stats.Cdf());
            result.Detail($"{topology.Label}: messages/s per node", string.Join(" / ", m.Load.PerNode.Select(n => Format.Num(n.Throughput))));
            if (m.Load.Load.FirstError is { } error)
                result.Detail($"{topology.Label}: first error", error);
        }
        StorageComparison.CpuDetails(result, measured, "message", m => m.Load.Cpu, m => m.Load.Load.Completed);
        result.Detail("PostgreSQL, 3 nodes / SQLite, 1 node (throughput)", Format.Ratio(rows[Topology.PostgresThreeNodes].ThroughputPerSecond, rows[Topology.SqliteOneNode].ThroughputPerSecond));
        StorageComparison.ThroughputTargets(result, rows, "ingest", postgresGoal: 0.7);
    }
}
