using System.Diagnostics;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 8. The write rate as the store grows (issue 15, finding 8): <c>threads.create</c> with a unique
/// <c>Idempotency-Key</c> and <c>messages.create</c> without one, measured on a fresh server ("early"),
/// then again after the store was grown (threads, messages and idempotency records written straight
/// into its SQLite file while the server was stopped) and the server restarted on it ("late").
/// Target: late ≥ 0.8 × early for each workload, against the same run's early figures.
/// </summary>
internal static class GrowthScenario
{
    private const string CreatePath = "v1/threads";

    /// <summary>Rows in the store and the size of its file (and WAL) at one moment.</summary>
    private sealed record StoreSize(long Threads, long Messages, long Keys, long Bytes)
    {
        public override string ToString() =>
            $"{Threads:N0} threads, {Messages:N0} messages, {Keys:N0} idempotency records, {Bytes / 1024.0 / 1024.0:0.0} MB (file and WAL)";
    }

    /// <summary>One workload's load, the cores other processes used meanwhile, and the writer's page-cache misses per request (warm-up included).</summary>
    private sealed record Window(LoadResult Load, double Noise, double? MissesPerWrite)
    {
        /// <summary>The server's utime + stime over the measured window per write acknowledged in it (ms).</summary>
        public double? CpuMsPerWrite => Load.Completed > 0 ? (Load.ServerAtEnd.CpuSeconds - Load.ServerAtStart.CpuSeconds) * 1000 / Load.Completed : null;
    }

    /// <summary>One phase: both workloads on one server, and the store before and after them.</summary>
    private sealed record Phase(Window Creates, Window Messages, StoreSize Before, StoreSize After);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        result.Setup = $"Threadline starts with the defaults on a fresh data directory (\"early\"). {o.GrowthClients} connections (closed loop, load generator: {ctx.Load.Name}) " +
            $"post `POST /v1/threads` with a unique `Idempotency-Key` for {o.GrowthWarmupSeconds:0.#} s of warm-up and {o.GrowthSeconds:0.#} s measured; then " +
            $"`POST /v1/threads/{{id}}/messages` without a key to random threads of the store, as long again. The server is stopped, and the store is grown " +
            $"straight in its SQLite file (one transaction, as in scale): {o.GrowthThreads:N0} threads with {o.GrowthMessages:N0} messages and " +
            $"{Math.Min(o.GrowthKeys, o.GrowthThreads):N0} done idempotency records of their creates, made over the last 12 hours and expiring 12 to 24 hours from now " +
            "(the default retention), so that the purge keeps them and lookups find them. The server restarts on the grown store (\"late\") and the same two loads run again, " +
            "warm-up included. CPU per write = the server's utime + stime (`/proc/<pid>/stat`) over the measured window / writes acknowledged in it.";

        var dir = ctx.NewDataDirectory("growth");
        Phase early, late;
        await using (var server = await ctx.StartThreadlineAsync(dir, [], ct))
        {
            early = await MeasureAsync(ctx, server, dir, "early", ct);
            result.Warnings(server, "Threadline, early");
        }

        var clock = Stopwatch.StartNew();
        await SqliteSeed.WriteAsync(Path.Combine(dir, "threadline.db"), o.GrowthThreads, o.GrowthMessages, o.GrowthKeys, ct);
        var seedSeconds = clock.Elapsed.TotalSeconds;
        ctx.Log($"grew the store by {o.GrowthThreads:N0} threads, {o.GrowthMessages:N0} messages and {Math.Min(o.GrowthKeys, o.GrowthThreads):N0} idempotency records in {seedSeconds:0.0} s");

        await using (var server = await ctx.StartThreadlineAsync(dir, [], ct))
        {
            late = await MeasureAsync(ctx, server, dir, "late", ct);
            result.Warnings(server, "Threadline, late");
        }
        ctx.Discard(dir);

        var workloads = new[]
        {
            ("threads.create + Idempotency-Key", "POST threads + Idempotency-Key", early.Creates, late.Creates),
            ("messages.create", "POST messages", early.Messages, late.Messages),
        };
        foreach (var (_, operation, (before, _, _), (after, _, _)) in workloads)
        {
            var earlyRow = result.Row(ResultRow.From($"Threadline, early ({early.Before.Threads:N0} → {early.After.Threads:N0} threads)", operation,
                before.Stats, before.Errors, before.Throughput, before.ServerAtEnd));
            result.Row(ResultRow.From($"Threadline, late ({late.Before.Threads:N0} → {late.After.Threads:N0} threads)", operation,
                after.Stats, after.Errors, after.Throughput, after.ServerAtEnd).ComparedTo(earlyRow));
            result.Chart($"{operation}, early", before.Stats.Cdf());
            result.Chart($"{operation}, late", after.Stats.Cdf());
        }

        result.Detail("load generator", ctx.Load.Name);
        result.Detail("store at the start of early", early.Before);
        result.Detail("store at the end of early", early.After);
        result.Detail("store grown in (s)", seedSeconds);
        result.Detail("store at the start of late (grown, restarted)", late.Before);
        result.Detail("store at the end of late", late.After);
        foreach (var (name, _, before, after) in workloads)
        {
            result.Detail($"{name}: server CPU ms per write, early / late", $"{Format.Num(before.CpuMsPerWrite, "0.000")} / {Format.Num(after.CpuMsPerWrite, "0.000")}");
            result.Detail($"{name}: writer page-cache misses per write, early / late", $"{Format.Num(before.MissesPerWrite, "0.00")} / {Format.Num(after.MissesPerWrite, "0.00")}");
            result.Detail($"{name}: server CPU / load generator CPU (cores), early; late",
                $"{Format.Value(before.Load.ServerCores)} / {Format.Value(before.Load.ClientCores)}; {Format.Value(after.Load.ServerCores)} / {Format.Value(after.Load.ClientCores)}");
            result.Detail($"{name}: other processes on the machine (cores), early / late: noise in the ratio", $"{Format.Value(before.Noise)} / {Format.Value(after.Noise)}");
            foreach (var (phase, window) in new[] { ("early", before), ("late", after) })
            {
                if (window.Load.FirstError is { } error)
                    result.Detail($"{name}, {phase}: first error", error);
            }
        }

        foreach (var (name, _, before, after) in workloads)
        {
            var ratio = Format.Ratio(after.Load.Throughput, before.Load.Throughput);
            result.Target($"{name}: late ≥ 0.8 × early", "≥ 0.8",
                $"{Format.Num(ratio, "0.00")} ({after.Load.Throughput:0}/s at {late.Before.Threads:N0}+ threads vs {before.Load.Throughput:0}/s from {early.Before.Threads:N0}; " +
                $"CPU per write {Format.Num(after.CpuMsPerWrite, "0.000")} vs {Format.Num(before.CpuMsPerWrite, "0.000")} ms; other processes {before.Noise:0.00} / {after.Noise:0.00} cores)",
                ratio is { } r ? r >= 0.8 : null);
        }
    }

    /// <summary>Both workloads on a started server: keyed creates, then messages to random threads of the store as it is then.</summary>
    private static async Task<Phase> MeasureAsync(BenchContext ctx, ServiceProcess server, string dir, string phase, CancellationToken ct)
    {
        var o = ctx.Options;
        var warmup = TimeSpan.FromSeconds(o.GrowthWarmupSeconds);
        var window = TimeSpan.FromSeconds(o.GrowthSeconds);
        await using var db = new ServerDatabase(dir);
        using var http = Http.Client(server.BaseUrl);
        var before = await SizeAsync(db, ct);
        var creates = await RunAsync(new LoadRequest("POST", CreatePath, "{}") { IdempotencyKeys = true }, []);
        var threads = (await db.RowsAsync("SELECT id FROM threads", ct)).Select(r => (string)r[0]!).ToArray();
        var messages = await RunAsync(new LoadRequest("POST", IngestScenario.MessagesPath, IngestScenario.Body), threads);
        var after = await SizeAsync(db, ct);
        ctx.Log($"{phase}: store {before} → {after}");
        return new Phase(creates, messages, before, after);

        async Task<Window> RunAsync(LoadRequest request, string[] ids)
        {
            var machine = new MachineLoad();
            var misses = await CacheMissesAsync(settle: false);
            var load = await ctx.Load.RunAsync(request with { Ids = ids }, o.GrowthClients, warmup, window, server, ct);
            var (_, _, noise) = machine.Stop();
            var result = new Window(load, noise, await CacheMissesAsync(settle: true) - misses is { } m && load.Answered > 0 ? m / load.Answered : null);
            ctx.Log($"{phase}: {request.Method} {request.PathTemplate}{(request.IdempotencyKeys ? " with a key" : "")}: {load.Throughput:0}/s, p99 {load.Stats.P99:0.0} ms, " +
                $"CPU {Format.Num(result.CpuMsPerWrite, "0.000")} ms and {Format.Num(result.MissesPerWrite, "0.00")} page-cache misses per write, {load.Errors} errors; other processes {noise:0.00} cores");
            return result;
        }

        // After a load, the writer may still finish a batch, and the exporter caches its answer for a few
        // hundred milliseconds: wait for both. Before one, nothing has written since the last reading.
        async Task<double?> CacheMissesAsync(bool settle)
        {
            if (settle)
                await Task.Delay(400, ct);
            return (await PrometheusScrape.ReadAsync(http, server.BaseUrl, ct)).Value(WriterMetrics.CacheMissesName);
        }
    }

    private static async Task<StoreSize> SizeAsync(ServerDatabase db, CancellationToken ct)
    {
        var bytes = new[] { db.Path, db.Path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new StoreSize(
            await db.ScalarAsync<long>("SELECT count(*) FROM threads", ct),
            await db.ScalarAsync<long>("SELECT count(*) FROM messages", ct),
            await db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys", ct),
            bytes);
    }
}
