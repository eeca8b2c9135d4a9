using System.Diagnostics;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 5. A large store: many threads and messages written straight into the SQLite file before the server
/// starts (loading a million messages through the API would not fit the time budget), then the latest
/// 20 messages of random threads listed through the API. The same is done on a small store, so that
/// memory can be compared. Targets: list p99 ≤ 2 ms; RSS after the load ≤ 150 MB and not growing with
/// the number of idle threads.
/// </summary>
internal static class ScaleScenario
{
    private sealed record StoreRun(int Threads, int Messages, LoadResult Load, LoadResult Single, ProcessSample Idle, ProcessSample After, double LoadSeconds, long DbBytes);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var perThreadSmall = Math.Max(1, o.ScaleMessages / Math.Max(1, o.ScaleThreads));
        result.Setup = $"Rows are written straight into the SQLite file (one transaction, the server's schema, made by starting and stopping the server once), " +
            $"not through the API: {o.ScaleThreads:N0} threads with {o.ScaleMessages:N0} messages in all (user and assistant turns alternating), and a small store of " +
            $"{o.SmallStoreThreads:N0} threads with {perThreadSmall} messages each. Threadline then starts with the defaults on each store, and " +
            $"{o.ScaleClients} connections (closed loop, load generator: {ctx.Load.Name}) list the latest 20 messages (`GET /v1/threads/{{id}}/messages?limit=20`) of random threads " +
            $"for {o.ScaleSeconds:0.#} s after a warm-up of {WarmupSeconds(o):0.#} s; then one connection alone for {o.ScaleSeconds:0.#} s more. RSS = VmRSS of the server process after the load.";

        var small = await MeasureStoreAsync(ctx, o.SmallStoreThreads, o.SmallStoreThreads * perThreadSmall, ct);
        var big = await MeasureStoreAsync(ctx, o.ScaleThreads, o.ScaleMessages, ct);

        var bigName = $"Threadline, {big.Threads:N0} threads / {big.Messages:N0} messages";
        var smallName = $"Threadline, {small.Threads:N0} threads / {small.Messages:N0} messages";
        var bigOne = ResultRow.From(bigName, "GET messages?limit=20, 1 client", big.Single.Stats, big.Single.Errors, big.Single.Throughput, big.After);
        var smallOne = ResultRow.From(smallName, "GET messages?limit=20, 1 client", small.Single.Stats, small.Single.Errors, small.Single.Throughput, small.After);
        var bigRow = ResultRow.From(bigName, $"GET messages?limit=20, {o.ScaleClients} clients", big.Load.Stats, big.Load.Errors, big.Load.Throughput, big.After);
        var smallRow = ResultRow.From(smallName, $"GET messages?limit=20, {o.ScaleClients} clients", small.Load.Stats, small.Load.Errors, small.Load.Throughput, small.After);
        result.Row(bigOne.ComparedTo(smallOne));
        result.Row(bigRow.ComparedTo(smallRow));
        result.Row(smallOne);
        result.Row(smallRow);
        result.Chart($"list, {big.Threads:N0} threads, 1 client", big.Single.Stats.Cdf());
        result.Chart($"list, {big.Threads:N0} threads, {o.ScaleClients} clients", big.Load.Stats.Cdf());
        result.Chart($"list, {small.Threads:N0} threads, {o.ScaleClients} clients", small.Load.Stats.Cdf());

        foreach (var (name, run) in new[] { ("large store", big), ("small store", small) })
        {
            result.Detail($"{name}: rows written in (s)", run.LoadSeconds);
            result.Detail($"{name}: database file (MB)", run.DbBytes / 1024.0 / 1024.0);
            result.Detail($"{name}: RSS idle after start / after the load / peak (MB)", $"{run.Idle.RssMb:0.0} / {run.After.RssMb:0.0} / {run.After.PeakRssMb:0.0}");
            result.Detail($"{name}: server CPU (cores) during the load", run.Load.ServerCores);
        }
        result.Detail("load method", "direct SQLite inserts before the server starts (API loading at the ingest rate would take far longer than the 10-minute budget)");

        result.Target($"list latest 20 p99 ≤ 2 ms at {big.Messages:N0} messages (one client)", "≤ 2 ms", $"{Format.Ms(bigOne.P99Ms)} ms (p50 {Format.Ms(bigOne.P50Ms)} ms)", bigOne.P99Ms is { } p ? p <= 2 : null);
        result.Target($"list latest 20 p99 ≤ 2 ms at {big.Messages:N0} messages ({o.ScaleClients} concurrent clients)", "≤ 2 ms", $"{Format.Ms(bigRow.P99Ms)} ms (p50 {Format.Ms(bigRow.P50Ms)} ms, {bigRow.ThroughputPerSecond:0}/s)", bigRow.P99Ms is { } q ? q <= 2 : null);
        result.Target("RSS after the load ≤ 150 MB", "≤ 150 MB", $"{big.After.RssMb:0.0} MB (peak {big.After.PeakRssMb:0.0} MB)", big.After.RssKb > 0 ? big.After.RssMb <= 150 : null);
        var growth = big.After.RssMb - small.After.RssMb;
        result.Target("RSS not growing with idle threads", "large − small ≤ 10% of small",
            $"{growth:+0.0;-0.0} MB ({small.Threads:N0} → {big.Threads:N0} threads: {small.After.RssMb:0.0} → {big.After.RssMb:0.0} MB)",
            small.After.RssKb > 0 ? growth <= 0.10 * small.After.RssMb : null);
    }

    private static async Task<StoreRun> MeasureStoreAsync(BenchContext ctx, int threads, int messages, CancellationToken ct)
    {
        var o = ctx.Options;
        var dir = ctx.NewDataDirectory($"scale-{threads}");
        // The server makes its schema; then it stops and the rows go straight into the file.
        await using (var migrate = await ctx.StartThreadlineAsync(dir, ["--Threadline:Queue:Enabled=false"], ct))
            await migrate.StopAsync();
        var clock = Stopwatch.StartNew();
        var threadIds = await SqliteSeed.WriteAsync(Path.Combine(dir, "threadline.db"), threads, messages, keys: 0, ct);
        var loadSeconds = clock.Elapsed.TotalSeconds;
        var dbBytes = new FileInfo(Path.Combine(dir, "threadline.db")).Length;
        ctx.Log($"wrote {threads:N0} threads and {messages:N0} messages into SQLite in {loadSeconds:0.0} s ({dbBytes / 1024 / 1024} MB)");

        await using var server = await ctx.StartThreadlineAsync(dir, [], ct);
        var (load, single, idle, after) = await ListLatestAsync(ctx, server, threadIds, ct);
        ctx.Log($"{threads:N0} threads: list p50 {load.Stats.P50:0.00} ms p99 {load.Stats.P99:0.00} ms, {load.Throughput:0}/s ({o.ScaleClients} clients); one client p99 {single.Stats.P99:0.00} ms; RSS idle {idle.RssMb:0} MB, after {after.RssMb:0} MB");
        await server.StopAsync();
        ctx.Discard(dir);
        return new StoreRun(threads, messages, load, single, idle, after, loadSeconds, dbBytes);
    }

    /// <summary>What the listing measured: with the scenario's clients, with one alone, and the server before and after.</summary>
    internal sealed record Listing(LoadResult Load, LoadResult Single, ProcessSample Idle, ProcessSample After);

    /// <summary>
    /// The latest 20 messages of random threads of a started server's store: <c>--scale-clients</c> connections
    /// after a warm-up, then one connection alone (the latency of a listing without queueing behind others on 2 cores).
    /// </summary>
    internal static async Task<Listing> ListLatestAsync(BenchContext ctx, ServiceProcess server, string[] threadIds, CancellationToken ct)
    {
        var o = ctx.Options;
        // Let start-up work settle before the idle reading.
        await Task.Delay(TimeSpan.FromSeconds(o.Smoke ? 0.2 : 2), ct);
        var idle = server.Sample();
        var list = new LoadRequest("GET", "v1/threads/{id}/messages?limit=20", null) { Ids = threadIds };
        var window = TimeSpan.FromSeconds(o.ScaleSeconds);
        var load = await ctx.Load.RunAsync(list, o.ScaleClients, TimeSpan.FromSeconds(WarmupSeconds(o)), window, server, ct);
        var single = await ctx.Load.RunAsync(list, 1, TimeSpan.Zero, window, server, ct);
        return new Listing(load, single, idle, server.Sample());
    }

    internal static double WarmupSeconds(BenchOptions o) => o.Smoke ? 0.5 : 2;
}
