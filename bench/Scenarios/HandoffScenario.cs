using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 2. Many threads, each with a queue of runs on the instant <c>echo</c> model: how fast a thread's
/// next run follows the previous one (<c>threadline_run_handoff_milliseconds</c>). Target: p99 ≤ 5 ms.
/// </summary>
/// <remarks>
/// The runs are made on a server with <c>Threadline:Queue:Enabled=false</c> (API only), so that every
/// run is queued before the first one starts; the server is then restarted with the defaults on the
/// same directory and drains the queues.
/// </remarks>
internal static class HandoffScenario
{
    internal const string Terminal = "('completed', 'failed', 'cancelled', 'expired', 'incomplete')";

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var total = o.HandoffThreads * o.RunsPerThread;
        result.Setup = $"{o.HandoffThreads:N0} threads with one user message each and {o.RunsPerThread} runs each ({total:N0} runs, model `echo`) are made " +
            "through the API on a server started with `--Threadline:Queue:Enabled=false`, so that every run is queued before any starts. " +
            "The server is then restarted with the default settings on the same data directory and drains the queues; the harness waits until every run is terminal. " +
            "Handoff = from the end of a thread's previous run to the model call of its next run (server histogram at /metrics). " +
            "Claim gap = `started_at_ms` of a run minus `ended_at_ms` of the run before it in its thread (from the SQLite file, 1 ms resolution).";

        var dir = ctx.NewDataDirectory("handoff");
        var createLatency = new LatencyRecorder();
        double createSeconds;
        await using (var apiOnly = await ctx.StartThreadlineAsync(dir, ["--Threadline:Queue:Enabled=false"], ct))
        {
            createSeconds = await QueueRunsAsync(ctx, apiOnly, createLatency, ct);
            ctx.Log($"queued {total:N0} runs in {createSeconds:0.0} s");
        }

        ProcessSample after;
        PrometheusScrape metrics;
        long finished;
        await using (var server = await ctx.StartThreadlineAsync(dir, [], ct))
        {
            var atStart = server.Sample();
            var drainClock = Stopwatch.StartNew();
            await using var db = new ServerDatabase(dir);
            var timeout = TimeSpan.FromSeconds(o.DrainTimeoutSeconds);
            finished = await db.WaitForCountAsync($"SELECT count(*) FROM runs WHERE status IN {Terminal}", total, timeout, ct);
            using var http = Http.Client(server.BaseUrl);
            after = server.Sample();
            var wall = drainClock.Elapsed.TotalSeconds;
            metrics = await PrometheusScrape.ReadAtLeastAsync(http, server.BaseUrl, "threadline_run_queue_wait_milliseconds", finished, TimeSpan.FromSeconds(5), ct);

            var span = await db.RowsAsync($"SELECT MIN(started_at_ms), MAX(ended_at_ms), sum(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), sum(CASE WHEN status IN {Terminal} AND status <> 'completed' THEN 1 ELSE 0 END) FROM runs", ct);
            var drainSeconds = (Convert.ToInt64(span[0][1] ?? 0L) - Convert.ToInt64(span[0][0] ?? 0L)) / 1000.0;
            var completed = Convert.ToInt64(span[0][2] ?? 0L);
            var failed = Convert.ToInt64(span[0][3] ?? 0L);
            var gaps = (await db.RowsAsync("""
                SELECT started_at_ms - LAG(ended_at_ms) OVER (PARTITION BY thread_id ORDER BY queue_key) FROM runs WHERE started_at_ms IS NOT NULL
                """, ct)).Where(r => r[0] is not null).Select(r => Convert.ToDouble(r[0])).ToList();
            var gapStats = new LatencyStats(gaps);

            var handoff = metrics.Histogram("threadline_run_handoff_milliseconds");
            var row = result.Row(ResultRow.FromBuckets("Threadline", "handoff (/metrics)", handoff, after));
            result.Row(ResultRow.From("Threadline", "claim gap (SQLite)", gapStats, 0, null) with { Source = "SQLite" });
            result.Row(ResultRow.From("Threadline", "runs drained", new LatencyStats([]), failed, completed / drainSeconds, after) with { Count = completed, Source = "SQLite" });
            result.Row(ResultRow.From("Threadline (queue off)", "POST runs (setup)", createLatency.Stats(), createLatency.Errors, total / createSeconds));
            result.Chart("handoff (/metrics buckets)", handoff.Cdf(), fromBuckets: true);
            result.Chart("claim gap (SQLite, ms resolution)", gapStats.Cdf());

            result.Detail("runs completed / failed / not ended when measured / made", $"{completed} / {failed} / {total - finished} / {total}");
            result.Detail("drain: first start to last end (s)", drainSeconds);
            result.Detail("runs per second while draining", completed / drainSeconds);
            result.Detail("handoffs recorded (expected threads × (runs − 1))", $"{handoff.Count} ({o.HandoffThreads * (o.RunsPerThread - 1)})");
            result.Detail("handoff mean (ms)", handoff.Mean);
            result.Detail("server CPU (cores) while draining", (after.CpuSeconds - atStart.CpuSeconds) / wall);
            result.Detail("drain timeout (s): runs not ended by then are left out", o.DrainTimeoutSeconds);
            result.Warnings(server);
            result.Target($"handoff p99 ≤ 5 ms with {o.HandoffThreads:N0} busy threads", "≤ 5 ms", $"{Format.Ms(row.P99Ms)} ms (p50 {Format.Ms(row.P50Ms)} ms, n = {row.Count})", row.P99Ms is { } p ? p <= 5 : null);
        }
        ctx.Discard(dir);
    }

    /// <summary>
    /// Makes the scenario's threads (one user message each) and queues their runs (model <c>echo</c>) through a
    /// server whose queue is off, runs of a thread in order and threads in parallel; returns the seconds it took.
    /// </summary>
    internal static async Task<double> QueueRunsAsync(BenchContext ctx, ServiceProcess apiOnly, LatencyRecorder createLatency, CancellationToken ct)
    {
        var o = ctx.Options;
        using var api = Http.Client(new Uri(apiOnly.BaseUrl, "v1/"));
        var assistant = await BenchContext.CreateAssistantAsync(api, "echo", ct);
        var threads = new string[o.HandoffThreads];
        await BenchContext.ForAsync(o.HandoffThreads, o.Clients, async (i, ct) =>
        {
            var thread = await Http.PostAsync(api, "threads", new JsonObject
            {
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"hello from thread {i}" }),
            }, ct);
            threads[i] = (string)thread["id"]!;
        }, ct);

        // Runs of one thread are made in order (I2 orders them by creation); threads in parallel.
        var clock = Stopwatch.StartNew();
        await BenchContext.ForAsync(o.HandoffThreads, o.Clients, async (i, ct) =>
        {
            for (var k = 0; k < o.RunsPerThread; k++)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await Http.PostAsync(api, $"threads/{threads[i]}/runs", new JsonObject { ["assistant_id"] = assistant }, ct);
                    createLatency.Add(LatencyRecorder.Ms(t0));
                }
                catch (HttpRequestException)
                {
                    createLatency.Error();
                }
            }
        }, ct);
        return clock.Elapsed.TotalSeconds;
    }
}
