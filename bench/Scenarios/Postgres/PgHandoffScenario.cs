using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>
/// pg-handoff: the handoff scenario's queues (many threads, each with queued <c>echo</c> runs) drained by
/// SQLite (1 node), PostgreSQL (1 node) and PostgreSQL (3 nodes claiming from the same queues).
/// </summary>
internal static class PgHandoffScenario
{
    private const string HandoffMetric = "threadline_run_handoff_milliseconds";
    private const string QueueWaitMetric = "threadline_run_queue_wait_milliseconds";

    private sealed record Measured(BucketHistogram Handoff, long Completed, long Failed, double DrainSeconds, CpuReading Cpu, ProcessSample Largest);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var total = o.HandoffThreads * o.RunsPerThread;
        result.Setup = $"On each system: {o.HandoffThreads:N0} threads with {o.RunsPerThread} queued runs each ({total:N0} runs, model `echo`), made through one node started " +
            "with `--Threadline:Queue:Enabled=false`; then the system's nodes start with the defaults on the same store and drain the queues (with 3 nodes, every node claims " +
            "from the same queues). Handoff = the server histogram, every node's added. Drain rate = runs completed / (first start to last end, from the store). " +
            "CPU per run = from the nodes' start (their start-up included: the first node drains while the others start) to the last run's end, each node's and PostgreSQL's.";

        var measured = await StorageComparison.EachAsync(ctx, result, Topology.Compared, async (topology, store) =>
        {
            await using (var apiOnly = await Deployment.StartAsync(ctx, topology with { Nodes = 1 }, store, ["--Threadline:Queue:Enabled=false"], ct))
                await HandoffScenario.QueueRunsAsync(ctx, apiOnly.Nodes[0], new LatencyRecorder(), ct);

            // The first node drains as soon as it is up, before the others are: CPU is counted from each node's start.
            var postgresBefore = store.PostgresConnection is null ? double.NaN : (await ctx.PostgresAsync(ct)).Cpu.Seconds();
            await using var deployment = await Deployment.StartAsync(ctx, topology, store, [], ct);
            var before = new CpuReading(deployment.Nodes.Select(_ => 0.0).ToList(), postgresBefore);
            await using var db = store.OpenReader();
            var finished = await db.WaitForCountAsync($"SELECT count(*) FROM runs WHERE status IN {HandoffScenario.Terminal}", total,
                TimeSpan.FromSeconds(o.DrainTimeoutSeconds), ct);
            var cpu = deployment.ReadCpu().Minus(before);
            await deployment.HistogramAsync(QueueWaitMetric, ct, atLeast: finished);
            var handoff = await deployment.HistogramAsync(HandoffMetric, ct);
            var span = (await db.RowsAsync($"""
                SELECT MIN(started_at_ms), MAX(ended_at_ms), sum(CASE WHEN status = 'completed' THEN 1 ELSE 0 END),
                       sum(CASE WHEN status IN {HandoffScenario.Terminal} AND status <> 'completed' THEN 1 ELSE 0 END) FROM runs
                """, ct))[0];
            var drain = (Convert.ToInt64(span[1] ?? 0L) - Convert.ToInt64(span[0] ?? 0L)) / 1000.0;
            var completed = Convert.ToInt64(span[2] ?? 0L);
            ctx.Log($"{topology.Label}: {completed:N0} runs in {drain:0.0} s, handoff p99 {handoff.Percentile(0.99):0.00} ms");
            StorageComparison.Warnings(result, deployment);
            return new Measured(handoff, completed, Convert.ToInt64(span[3] ?? 0L), drain, cpu, deployment.LargestNode());
        }, ct);

        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m => ResultRow.FromBuckets(m.Key.Label, "handoff (/metrics)", m.Value.Handoff, m.Value.Largest)));
        var drained = measured.ToDictionary(m => m.Key, m => ResultRow.From(m.Key.Label, "runs drained", new LatencyStats([]), m.Value.Failed,
            m.Value.DrainSeconds > 0 ? m.Value.Completed / m.Value.DrainSeconds : null, m.Value.Largest) with { Count = m.Value.Completed, Source = "store" });
        StorageComparison.Rows(result, drained);
        foreach (var (topology, m) in measured)
        {
            result.Chart($"{topology.Label}: handoff (/metrics buckets)", m.Handoff.Cdf(), fromBuckets: true);
            result.Detail($"{topology.Label}: runs completed / failed / made", $"{m.Completed} / {m.Failed} / {total}");
        }
        StorageComparison.CpuDetails(result, measured, "run", m => m.Cpu, m => m.Completed);
        StorageComparison.ThroughputTargets(result, drained, "runs drained", postgresGoal: null);
    }
}
