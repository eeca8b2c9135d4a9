using System.Text.Json.Nodes;
using Threadline.Bench.Baseline;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 1. <c>messages.create</c> on existing threads from many concurrent connections, every acknowledged
/// message durable (checked after a SIGKILL), without and with an <c>Idempotency-Key</c>, against the
/// durable-storage limit (Kestrel + one SQLite writer with group commit) and a bare endpoint.
/// Targets: at least 0.8 × the limit's throughput, p99 ≤ 20 ms, a key costs at most one extra write.
/// </summary>
internal static class IngestScenario
{
    internal const string Body = """{"role":"user","content":"Hello! My order #4521 has not arrived yet. Can you check where it is?"}""";
    internal const string MessagesPath = "v1/threads/{id}/messages";
    private const string Limit = "durable-storage limit (Kestrel + SQLite group commit)";
    private const string Bare = "bare endpoint (Kestrel, no storage)";

    /// <summary>The server's writer histograms and its stored message count at one moment, between two loads.</summary>
    private sealed record Mark(PrometheusScrape Metrics, long Messages);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var warmup = TimeSpan.FromSeconds(o.WarmupSeconds);
        var window = TimeSpan.FromSeconds(o.DurationSeconds);
        result.Setup = $"{o.Threads:N0} threads made through the API first; then {o.Clients} connections (closed loop, load generator: {ctx.Load.Name}) post " +
            $"`POST /v1/threads/{{id}}/messages` to random threads for {o.WarmupSeconds:0.#} s of warm-up and {o.DurationSeconds:0.#} s measured, " +
            "first without and then with an `Idempotency-Key` header (unique per request) on the same server. " +
            "Afterwards the server is killed with SIGKILL and every acknowledged message id is looked up in its SQLite file. " +
            $"Writes per message = the server's `{WriterMetrics.BatchSizeName}` sum over the phase / messages stored in it (SQLite count). " +
            "Durable-storage limit (this harness in `durable-baseline` mode, own process): Kestrel parses the same body, one SQLite writer " +
            "(WAL, `synchronous=FULL`, a prepared INSERT) takes every request waiting, inserts them in one transaction, commits, then answers each " +
            "with a message object shaped like Threadline's; also killed and checked. Bare endpoint (`baseline` mode): parses the body and answers a fixed message object.";

        // :: Threadline, without and then with an Idempotency-Key
        var dir = ctx.NewDataDirectory("ingest");
        var threads = new string[o.Threads];
        LoadResult plain, keyed;
        Mark start, afterPlain, afterKeyed;
        int responseBytes;
        await using (var server = await ctx.StartThreadlineAsync(dir, [], ct))
        {
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            var setup = System.Diagnostics.Stopwatch.StartNew();
            await BenchContext.ForAsync(o.Threads, o.Clients, async (i, ct) =>
                threads[i] = (string)(await Http.PostAsync(api, "threads", new JsonObject(), ct))["id"]!, ct);
            result.Detail("threads.create (setup) per second", o.Threads / setup.Elapsed.TotalSeconds);
            ctx.Log($"made {o.Threads:N0} threads in {setup.Elapsed.TotalSeconds:0.0} s");
            responseBytes = await ProbeAsync(server, threads[0], ct);

            var request = new LoadRequest("POST", MessagesPath, Body) { Ids = threads, CaptureIds = true };
            await using var db = new ServerDatabase(dir);
            start = await MarkAsync(server, db, ct);
            plain = await ctx.Load.RunAsync(request, o.Clients, warmup, window, server, ct);
            afterPlain = await MarkAsync(server, db, ct);
            ctx.Log($"threadline: {plain.Throughput:0} msg/s, p99 {plain.Stats.P99:0.0} ms, {plain.Errors} errors");
            keyed = await ctx.Load.RunAsync(request with { IdempotencyKeys = true }, o.Clients, warmup, window, server, ct);
            afterKeyed = await MarkAsync(server, db, ct);
            ctx.Log($"threadline with Idempotency-Key: {keyed.Throughput:0} msg/s, p99 {keyed.Stats.P99:0.0} ms, {keyed.Errors} errors");
            result.Warnings(server);

            // Every acknowledged message must be in the file after a crash.
            server.Kill();
        }
        var acked = plain.AckedIds.Concat(keyed.AckedIds).ToList();
        int durable;
        await using (var db = new ServerDatabase(dir))
            durable = await db.CountPresentAsync(acked, "messages", ct);
        ctx.Discard(dir);

        // :: The durable-storage limit
        var limitDir = ctx.NewDataDirectory("ingest-limit");
        LoadResult limit;
        int limitBytes, limitDurable;
        string commits;
        await using (var endpoint = await ctx.StartDurableBaselineAsync(limitDir, ct))
        {
            limitBytes = await ProbeAsync(endpoint, threads[0], ct);
            limit = await ctx.Load.RunAsync(new LoadRequest("POST", MessagesPath, Body) { Ids = threads, CaptureIds = true }, o.Clients, warmup, window, endpoint, ct);
            using var http = Http.Client(endpoint.BaseUrl);
            var stats = await Http.GetAsync(http, "stats", ct);
            var (commitCount, rowCount) = ((long)stats["commits"]!, (long)stats["rows"]!);
            commits = $"{rowCount} / {commitCount} = {Format.Num(commitCount > 0 ? (double)rowCount / commitCount : null, "0.0")}";
            ctx.Log($"durable-storage limit: {limit.Throughput:0} msg/s, p99 {limit.Stats.P99:0.0} ms; messages per commit {commits}");
            endpoint.Kill();
        }
        await using (var db = new ServerDatabase(limitDir, DurableEndpoint.FileName))
            limitDurable = await db.CountPresentAsync(limit.AckedIds, "messages", ct);
        ctx.Discard(limitDir);

        // :: The bare endpoint
        LoadResult bare;
        int bareBytes;
        await using (var endpoint = await ctx.StartBaselineAsync(ct))
        {
            bareBytes = await ProbeAsync(endpoint, threads[0], ct);
            bare = await ctx.Load.RunAsync(new LoadRequest("POST", MessagesPath, Body) { Ids = threads, CaptureIds = true }, o.Clients, warmup, window, endpoint, ct);
            ctx.Log($"bare endpoint: {bare.Throughput:0} req/s, p99 {bare.Stats.P99:0.0} ms");
        }

        var bareRow = Row(Bare, bare);
        var limitRow = Row(Limit, limit).ComparedTo(bareRow);
        var row = Row("Threadline", plain).ComparedTo(limitRow);
        var keyedRow = Row("Threadline + Idempotency-Key", keyed).ComparedTo(row);
        foreach (var each in new[] { row, keyedRow, limitRow, bareRow })
            result.Row(each);
        result.Chart("Threadline messages.create", plain.Stats.Cdf());
        result.Chart("Threadline + Idempotency-Key", keyed.Stats.Cdf());
        result.Chart("durable-storage limit", limit.Stats.Cdf());
        result.Chart("bare endpoint", bare.Stats.Cdf());

        result.Detail("load generator", ctx.Load.Name);
        result.Detail("acknowledged messages, both phases (warm-ups included)", acked.Count);
        result.Detail("acknowledged messages found in SQLite after SIGKILL", durable);
        result.Detail("durable-storage limit: acknowledged / found in its SQLite file after SIGKILL", $"{limit.AckedIds.Count} / {limitDurable}");
        result.Detail("durable-storage limit: messages / commits = messages per commit", commits);
        result.Detail("Threadline throughput / bare endpoint", Format.Ratio(row.ThroughputPerSecond, bareRow.ThroughputPerSecond));
        foreach (var (name, load) in new[] { ("Threadline", plain), ("Threadline + Idempotency-Key", keyed), ("durable-storage limit", limit), ("bare endpoint", bare) })
            result.Detail($"{name}: server CPU / load generator CPU (cores, measured window)", $"{Format.Value(load.ServerCores)} / {Format.Value(load.ClientCores)}");
        result.Detail("response bytes (Threadline / durable-storage limit / bare endpoint)", $"{responseBytes} / {limitBytes} / {bareBytes}");
        foreach (var (name, load) in new[] { ("Threadline", plain), ("Threadline + Idempotency-Key", keyed), ("durable-storage limit", limit), ("bare endpoint", bare) })
        {
            if (load.FirstError is { } error)
                result.Detail($"{name}: first error", error);
        }

        var writerPlain = WriterMetrics.Between(start.Metrics, afterPlain.Metrics);
        var writerKeyed = WriterMetrics.Between(afterPlain.Metrics, afterKeyed.Metrics);
        var writesPlain = PerMessage(writerPlain.Writes, afterPlain.Messages - start.Messages);
        var writesKeyed = PerMessage(writerKeyed.Writes, afterKeyed.Messages - afterPlain.Messages);
        result.Detail("writer queue depth, no key: mean / p50 / p99", WriterMetrics.Describe(writerPlain.QueueDepth));
        result.Detail("writer batch size (writes per commit), no key: mean / p50 / p99", WriterMetrics.Describe(writerPlain.BatchSize));
        result.Detail("writer batch time (ms), no key: mean / p50 / p99", WriterMetrics.Describe(writerPlain.BatchMs));
        result.Detail("writer batch size (writes per commit), with key: mean / p50 / p99", WriterMetrics.Describe(writerKeyed.BatchSize));
        result.Detail("writes per message without / with Idempotency-Key", writesPlain is null ? "not exposed" : $"{writesPlain:0.00} / {writesKeyed:0.00}");

        var ratio = row.ThroughputRatio;
        result.Target("throughput ≥ 0.8 × durable-storage limit", "≥ 0.8",
            $"{Format.Num(ratio, "0.000")} ({plain.Throughput:0}/s vs {limit.Throughput:0}/s; {Format.Num(Format.Ratio(row.ThroughputPerSecond, bareRow.ThroughputPerSecond), "0.000")} × the bare endpoint's {bare.Throughput:0}/s)",
            ratio is { } r ? r >= 0.8 : null);
        result.Target($"p99 ≤ 20 ms at {o.Clients} connections", "≤ 20 ms", $"{Format.Ms(row.P99Ms)} ms (p50 {Format.Ms(row.P50Ms)} ms)", row.P99Ms is { } p ? p <= 20 : null);
        var keyRatio = keyedRow.ThroughputRatio;
        var throughputs = $"throughput with / without {keyed.Throughput:0}/s / {plain.Throughput:0}/s = {Format.Num(keyRatio, "0.00")}";
        // The counts are exact (a stored message per request, the writer's own tally), but the server may
        // make a background write or two in a phase: a twentieth of a write per message is left for that.
        result.Target("Idempotency-Key costs ≤ 1 extra write", "≤ 1 write per message",
            writesPlain is { } wp && writesKeyed is { } wk ? $"+{wk - wp:0.00} writes per message ({wp:0.00} → {wk:0.00}); {throughputs}" : $"writes not measured ({WriterMetrics.BatchSizeName} not exposed); {throughputs}",
            writesPlain is { } a && writesKeyed is { } b ? b - a <= 1.05 : null);
        result.Target("every acknowledged message durable", $"{acked.Count} of {acked.Count}", $"{durable} of {acked.Count}", durable == acked.Count && acked.Count > 0);
    }

    private static ResultRow Row(string system, LoadResult load) =>
        ResultRow.From(system, "POST messages", load.Stats, load.Errors, load.Throughput, load.ServerAtEnd);

    private static double? PerMessage(double? writes, long messages) => writes is { } w && messages > 0 ? w / messages : null;

    /// <summary>
    /// After the last answers, the writer may still be finishing a batch of requests the generator gave up
    /// on at its deadline: wait for it, then read the counters. Scrapes are seconds apart, beyond the
    /// exporter's cache of a few hundred milliseconds.
    /// </summary>
    private static async Task<Mark> MarkAsync(ServiceProcess server, ServerDatabase db, CancellationToken ct)
    {
        await Task.Delay(300, ct);
        using var http = Http.Client(server.BaseUrl);
        var metrics = await PrometheusScrape.ReadAsync(http, server.BaseUrl, ct);
        return new Mark(metrics, await db.ScalarAsync<long>("SELECT count(*) FROM messages", ct));
    }

    /// <summary>One request before the load: that the endpoint answers, and the size of its answer.</summary>
    private static async Task<int> ProbeAsync(ServiceProcess endpoint, string thread, CancellationToken ct)
    {
        using var http = Http.Client(endpoint.BaseUrl);
        using var response = await http.PostAsync(MessagesPath.Replace("{id}", thread, StringComparison.Ordinal), Http.Json(Body), ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode || JsonId.Of(bytes).Length == 0)
            throw new InvalidOperationException($"{endpoint.Name} answered {(int)response.StatusCode}: {Http.Truncate(System.Text.Encoding.UTF8.GetString(bytes))}");
        return bytes.Length;
    }
}
