using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 1. <c>messages.create</c> on existing threads from many concurrent clients, every acknowledged
/// message durable (checked after a SIGKILL of the server), against a bare ASP.NET Core endpoint
/// that parses the same body. Targets: at least 0.5 of the baseline's throughput, p99 at most 10 ms.
/// </summary>
internal static class IngestScenario
{
    private const string Body = """{"role":"user","content":"Hello! My order #4521 has not arrived yet. Can you check where it is?"}""";

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var warmup = TimeSpan.FromSeconds(o.WarmupSeconds);
        var window = TimeSpan.FromSeconds(o.DurationSeconds);
        result.Setup = $"{o.Threads:N0} threads made through the API first; then {o.Clients} concurrent clients (closed loop) post " +
            $"`POST /v1/threads/{{id}}/messages` to random threads for {o.WarmupSeconds:0.#} s of warm-up and {o.DurationSeconds:0.#} s measured. " +
            "Afterwards the server is killed with SIGKILL and every acknowledged message id is looked up in its SQLite file. " +
            "Baseline: a bare ASP.NET Core endpoint (this harness in `baseline` mode, own process) that deserializes the same body and answers a fixed message object.";

        // :: Threadline
        var dir = ctx.NewDataDirectory("ingest");
        var threads = new string[o.Threads];
        LoadResult threadline;
        var acked = new List<string>();
        int responseBytes = 0;
        ProcessSample serverAfter;
        await using (var server = await ctx.StartThreadlineAsync(dir, [], ct))
        {
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            var setup = System.Diagnostics.Stopwatch.StartNew();
            await BenchContext.ForAsync(o.Threads, o.Clients, async (i, ct) =>
                threads[i] = (string)(await Http.PostAsync(api, "threads", new JsonObject(), ct))["id"]!, ct);
            result.Detail("threads.create (setup) per second", o.Threads / setup.Elapsed.TotalSeconds);
            ctx.Log($"made {o.Threads:N0} threads in {setup.Elapsed.TotalSeconds:0.0} s");

            threadline = await ClosedLoop.RunAsync(o.Clients, warmup, window, null, server, async (_, ct) =>
            {
                var thread = threads[Random.Shared.Next(threads.Length)];
                using var response = await api.PostAsync($"threads/{thread}/messages", Http.Json(Body), ct);
                var bytes = await response.Content.ReadAsByteArrayAsync(ct);
                if (!response.IsSuccessStatusCode)
                    return false;
                var id = IdOf(bytes);
                responseBytes = bytes.Length;
                lock (acked)
                    acked.Add(id);
                return true;
            }, ct);
            serverAfter = server.Sample();
            result.Warnings(server);
            ctx.Log($"threadline: {threadline.Throughput:0} msg/s, p99 {threadline.Stats.P99:0.0} ms, {threadline.Errors} errors");

            // Every acknowledged message must be in the file after a crash.
            server.Kill();
        }
        var durable = await CountDurableAsync(dir, acked, ct);
        ctx.Discard(dir);

        // :: Baseline
        LoadResult baseline;
        ProcessSample baselineAfter;
        int baselineBytes = 0;
        await using (var bare = await ctx.StartBaselineAsync(ct))
        {
            using var api = Http.Client(new Uri(bare.BaseUrl, "v1/"));
            baseline = await ClosedLoop.RunAsync(o.Clients, warmup, window, null, bare, async (_, ct) =>
            {
                var thread = threads[Random.Shared.Next(threads.Length)];
                using var response = await api.PostAsync($"threads/{thread}/messages", Http.Json(Body), ct);
                var bytes = await response.Content.ReadAsByteArrayAsync(ct);
                if (!response.IsSuccessStatusCode)
                    return false;
                var id = IdOf(bytes);
                if (id.Length == 0)
                    return false;
                baselineBytes = bytes.Length;
                return true;
            }, ct);
            baselineAfter = bare.Sample();
            ctx.Log($"baseline: {baseline.Throughput:0} req/s, p99 {baseline.Stats.P99:0.0} ms");
        }

        var baseRow = result.Row(ResultRow.From("baseline (bare ASP.NET Core)", "POST messages", baseline.Stats, baseline.Errors, baseline.Throughput, baselineAfter));
        var row = ResultRow.From("Threadline", "POST messages", threadline.Stats, threadline.Errors, threadline.Throughput, serverAfter).ComparedTo(baseRow);
        result.Rows.Insert(0, row);
        result.Chart("Threadline messages.create", threadline.Stats.Cdf());
        result.Chart("baseline", baseline.Stats.Cdf());

        result.Detail("acknowledged messages (whole run, warm-up included)", acked.Count);
        result.Detail("acknowledged messages found in SQLite after SIGKILL", durable);
        result.Detail("Threadline server CPU (cores, measured window)", threadline.ServerCores);
        result.Detail("baseline server CPU (cores, measured window)", baseline.ServerCores);
        result.Detail("harness CPU while driving Threadline (cores)", threadline.ClientCores);
        result.Detail("harness CPU while driving the baseline (cores)", baseline.ClientCores);
        result.Detail("response bytes (Threadline / baseline)", $"{responseBytes} / {baselineBytes}");
        if (threadline.FirstError is { } error)
            result.Detail("first Threadline error", error);

        var ratio = row.ThroughputRatio;
        result.Target("throughput ≥ 0.5 × baseline", "≥ 0.5", $"{Format.Num(ratio, "0.000")} ({threadline.Throughput:0}/s vs {baseline.Throughput:0}/s)", ratio is { } r ? r >= 0.5 : null);
        result.Target("p99 ≤ 10 ms", "≤ 10 ms", $"{Format.Ms(row.P99Ms)} ms", row.P99Ms is { } p ? p <= 10 : null);
        result.Target("every acknowledged message durable", $"{acked.Count} of {acked.Count}", $"{durable} of {acked.Count}", durable == acked.Count && acked.Count > 0);
    }

    private static string IdOf(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("id"u8) && reader.Read())
                return reader.GetString() ?? "";
        }
        return "";
    }

    private static async Task<int> CountDurableAsync(string dir, List<string> acked, CancellationToken ct)
    {
        await using var db = new ServerDatabase(dir);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in await db.RowsAsync("SELECT id FROM messages", ct))
            stored.Add((string)row[0]!);
        return acked.Count(stored.Contains);
    }
}
