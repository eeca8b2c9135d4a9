using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 2. What a run costs when nothing waits: create-to-completed of a streamed run on an idle thread with
/// the <c>echo</c> model (no model time), one at a time and with a few clients, and the server's CPU per
/// run under a closed-loop load. Targets: p50 ≤ 3 ms over the model's own time; CPU per run ≤ 0.3 ms.
/// </summary>
internal static class RunsScenario
{
    private const string Terminal = "('completed', 'failed', 'cancelled', 'expired', 'incomplete')";
    private const string TtftMetric = "threadline_model_time_to_first_token_milliseconds";

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var warmups = Math.Min(20, o.Runs);
        result.Setup = $"Assistant model `echo` (the built-in model: no delay, so the model's own time is ~0). Threads with one user message each are made first " +
            $"(not measured). Latency: `POST /v1/threads/{{id}}/runs` with `stream: true` on an idle thread, read until the `thread.run.completed` event " +
            $"(client side, the harness's client): {o.Runs} runs one after another, then {o.Runs} runs spread over {o.RunClients} concurrent clients, after {warmups} warm-up runs. " +
            $"CPU per run: {o.RunLoadClients} connections (closed loop, load generator: {ctx.Load.Name}) send `POST /v1/threads/runs` with `stream: true` " +
            $"(each run on a new thread made in the same request) for {o.RunLoadSeconds:0.#} s; the harness then waits until no run is queued or active; " +
            "CPU per run = the server's utime + stime (/proc/<pid>/stat) over that time / runs completed in it (SQLite count).";

        var dir = ctx.NewDataDirectory("runs");
        await using (var server = await ctx.StartThreadlineAsync(dir, [], ct))
        {
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            using var root = Http.Client(server.BaseUrl);
            var assistant = await BenchContext.CreateAssistantAsync(api, "echo", ct);
            var threads = new string[warmups + (2 * o.Runs)];
            await BenchContext.ForAsync(threads.Length, o.RunClients, async (i, ct) => threads[i] = (string)(await Http.PostAsync(api, "threads", new JsonObject
            {
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"ping {i}" }),
            }, ct))["id"]!, ct);

            await RunOnThreadsAsync(api, assistant, threads[..warmups], 1, ct);
            var before = await PrometheusScrape.ReadAsync(root, server.BaseUrl, ct);
            var sequential = await RunOnThreadsAsync(api, assistant, threads[warmups..(warmups + o.Runs)], 1, ct);
            var concurrent = await RunOnThreadsAsync(api, assistant, threads[(warmups + o.Runs)..], o.RunClients, ct);
            var after = await PrometheusScrape.ReadAtLeastAsync(root, server.BaseUrl, TtftMetric,
                before.Histogram(TtftMetric).Count + (2 * o.Runs), TimeSpan.FromSeconds(5), ct);
            var modelTime = after.Histogram(TtftMetric).Minus(before.Histogram(TtftMetric));
            ctx.Log($"runs: p50 {sequential.Stats().P50:0.00} ms alone, {concurrent.Stats().P50:0.00} ms with {o.RunClients} clients");

            // :: CPU per run under load
            await using var db = new ServerDatabase(dir);
            var completedBefore = await db.ScalarAsync<long>("SELECT count(*) FROM runs WHERE status = 'completed'", ct);
            var body = new JsonObject
            {
                ["assistant_id"] = assistant,
                ["thread"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "ping" }) },
                ["stream"] = true,
            }.ToJsonString();
            var load = await ctx.Load.RunAsync(new LoadRequest("POST", "v1/threads/runs", body), o.RunLoadClients, TimeSpan.Zero,
                TimeSpan.FromSeconds(o.RunLoadSeconds), server, ct);
            var total = await db.ScalarAsync<long>("SELECT count(*) FROM runs", ct);
            await db.WaitForCountAsync($"SELECT count(*) FROM runs WHERE status IN {Terminal}", total, TimeSpan.FromSeconds(60), ct, TimeSpan.FromMilliseconds(20));
            var drained = server.Sample();
            var completed = await db.ScalarAsync<long>("SELECT count(*) FROM runs WHERE status = 'completed'", ct) - completedBefore;
            var cpuSeconds = drained.CpuSeconds - load.ServerAtStart.CpuSeconds;
            double? cpuPerRunMs = completed > 0 ? cpuSeconds * 1000 / completed : null;
            ctx.Log($"runs under load: {load.Throughput:0} runs/s, {completed} completed, {Format.Num(cpuPerRunMs, "0.000")} ms CPU per run");

            var seqRow = result.Row(ResultRow.From("Threadline", "create run → thread.run.completed, 1 client", sequential.Stats(), sequential.Errors, null, drained));
            var concRow = result.Row(ResultRow.From("Threadline", $"create run → thread.run.completed, {o.RunClients} clients", concurrent.Stats(), concurrent.Errors, null, drained));
            result.Row(ResultRow.From("Threadline", $"POST threads/runs (stream) to its end, {o.RunLoadClients} connections", load.Stats, load.Errors, load.Throughput, drained));
            result.Row(ResultRow.FromBuckets("Threadline", "echo model time to first token (/metrics)", modelTime, drained));
            result.Chart("run on an idle thread, 1 client", sequential.Stats().Cdf());
            result.Chart($"run on an idle thread, {o.RunClients} clients", concurrent.Stats().Cdf());

            result.Detail("load generator (CPU per run phase)", ctx.Load.Name);
            result.Detail("runs completed in the CPU phase (load and drain)", completed);
            result.Detail("server CPU seconds over the CPU phase (utime + stime)", cpuSeconds);
            result.Detail("server CPU (cores) in the load window", load.ServerCores);
            result.Detail("load generator CPU (cores) in the load window", load.ClientCores);
            result.Detail("echo model time to first token, mean (ms, /metrics)", modelTime.Mean);
            if (load.FirstError is { } error)
                result.Detail("first error under load", error);
            result.Warnings(server);

            // The model's own time: echo waits for nothing, so the target is on the measured time itself.
            foreach (var row in new[] { seqRow, concRow })
            {
                var clients = row == seqRow ? 1 : o.RunClients;
                result.Target($"run on an idle thread p50 ≤ 3 ms over the model's time ({clients} client{(clients == 1 ? "" : "s")})", "≤ 3 ms (echo: ~0 ms)",
                    $"{Format.Ms(row.P50Ms)} ms (p99 {Format.Ms(row.P99Ms)} ms, n = {row.Count})", row.P50Ms is { } p ? p <= 3 : null);
            }
            result.Target("server CPU per echo run ≤ 0.3 ms", "≤ 0.3 ms",
                $"{Format.Num(cpuPerRunMs, "0.000")} ms ({cpuSeconds:0.00} s CPU / {completed} runs)", cpuPerRunMs is { } c ? c <= 0.3 : null);
        }
        ctx.Discard(dir);
    }

    /// <summary>One streamed run on each of <paramref name="threads"/>, <paramref name="clients"/> at a time: create-to-completed latencies.</summary>
    private static async Task<LatencyRecorder> RunOnThreadsAsync(HttpClient api, string assistant, string[] threads, int clients, CancellationToken ct)
    {
        var latency = new LatencyRecorder();
        await BenchContext.ForAsync(threads.Length, clients, async (i, ct) =>
        {
            StreamOutcome? outcome;
            try
            {
                var body = new JsonObject { ["assistant_id"] = assistant, ["stream"] = true };
                outcome = await EventStream.PostAsync(api, $"threads/{threads[i]}/runs", body, EventStream.ThreadlineRun("thread.run.completed"), ct);
            }
            catch (HttpRequestException)
            {
                outcome = null;
            }
            if (outcome is null)
                latency.Error();
            else
                latency.Add(outcome.TotalMs);
        }, ct);
        return latency;
    }
}
