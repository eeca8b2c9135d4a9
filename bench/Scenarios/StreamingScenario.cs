using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 5. Streamed runs through Threadline against the fake upstream, beside the same client streaming
/// straight from the fake upstream, at one conversation and at many. Targets: time to first token at
/// one conversation at most 3 ms over direct (p50), and at most 1.2 × direct with many.
/// </summary>
internal static class StreamingScenario
{
    internal const string Model = "fake-model";

    /// <summary>Client-side times of one phase: to the first token, to the end of the stream, and runs per second.</summary>
    internal sealed record Phase(LatencyStats Ttft, LatencyStats Totals, long Errors, double Rate);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var runs = o.SoloRuns + (o.Conversations * o.StreamRounds);
        var warmups = Math.Min(20, o.Conversations);
        result.Setup = $"Fake upstream (tests/Threadline.FakeUpstream, own process): {o.FirstTokenMs} ms to the first token, {o.Tokens} tokens {o.TokenIntervalMs} ms apart. " +
            $"After a warm-up of {warmups} runs: one conversation doing {o.SoloRuns} streamed runs one after another, then {o.Conversations} concurrent conversations " +
            $"each doing {o.StreamRounds} streamed runs one after another. " +
            $"Threadline (defaults, provider `fake` at the fake's /v1, model `{Model}`): `POST /v1/threads/runs` with `stream: true` and a new thread with one message; " +
            "time to first token = until the first `thread.message.delta` event. Direct: `POST /v1/chat/completions` with `stream: true` to the fake; " +
            "time to first token = until the first chunk with content. Both measured by the harness's client (wrk cannot time a first token). " +
            "Runs per second = runs / (first start to last end).";

        await using var fake = await ctx.StartFakeUpstreamAsync(o.FirstTokenMs, o.Tokens, o.TokenIntervalMs, ct);

        // :: Direct
        using var direct = Http.Client(new Uri(fake.BaseUrl, "v1/"));
        await DriveAsync(warmups, 1, _ => DirectAsync(direct, ct), ct);
        var fakeBefore = fake.Sample();
        var directSolo = await DriveAsync(1, o.SoloRuns, _ => DirectAsync(direct, ct), ct);
        var directMany = await DriveAsync(o.Conversations, o.StreamRounds, _ => DirectAsync(direct, ct), ct);
        ctx.Log($"direct: TTFT p50 {directSolo.Ttft.P50:0.0} ms alone, {directMany.Ttft.P50:0.0} ms at {o.Conversations}; {directMany.Rate:0} runs/s");

        // :: Threadline
        var dir = ctx.NewDataDirectory("streaming");
        await using (var server = await ctx.StartThreadlineAsync(dir, FakeProvider(fake), ct))
        {
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            using var root = Http.Client(server.BaseUrl);
            var assistant = await BenchContext.CreateAssistantAsync(api, Model, ct);
            await DriveAsync(warmups, 1, i => ThreadlineAsync(api, assistant, i, ct), ct);
            var before = await PrometheusScrape.ReadAsync(root, server.BaseUrl, ct);
            var solo = await DriveAsync(1, o.SoloRuns, i => ThreadlineAsync(api, assistant, i, ct), ct);
            var atStart = server.Sample();
            var clock = Stopwatch.StartNew();
            var many = await DriveAsync(o.Conversations, o.StreamRounds, i => ThreadlineAsync(api, assistant, i, ct), ct);
            var manySeconds = clock.Elapsed.TotalSeconds;
            var sample = server.Sample();
            const string ttftMetric = "threadline_model_time_to_first_token_milliseconds";
            const string queueWaitMetric = "threadline_run_queue_wait_milliseconds";
            var after = await PrometheusScrape.ReadAtLeastAsync(root, server.BaseUrl, ttftMetric,
                before.Histogram(ttftMetric).Count + solo.Ttft.Count + many.Ttft.Count, TimeSpan.FromSeconds(5), ct);
            ctx.Log($"threadline: TTFT p50 {solo.Ttft.P50:0.0} ms alone, {many.Ttft.P50:0.0} ms at {o.Conversations}; {many.Rate:0} runs/s, {solo.Errors + many.Errors} errors");

            var ttftServer = after.Histogram(ttftMetric).Minus(before.Histogram(ttftMetric));
            var queueWait = after.Histogram(queueWaitMetric).Minus(before.Histogram(queueWaitMetric));

            var directSoloRow = ResultRow.From("direct to fake upstream", "time to first token, 1 conversation", directSolo.Ttft, directSolo.Errors, directSolo.Rate, fake.Sample());
            var soloRow = ResultRow.From("Threadline", "time to first token, 1 conversation", solo.Ttft, solo.Errors, solo.Rate, sample).ComparedTo(directSoloRow);
            var directManyRow = ResultRow.From("direct to fake upstream", $"time to first token, {o.Conversations} conversations", directMany.Ttft, directMany.Errors, directMany.Rate);
            var manyRow = ResultRow.From("Threadline", $"time to first token, {o.Conversations} conversations", many.Ttft, many.Errors, many.Rate, sample).ComparedTo(directManyRow);
            var directTotalRow = ResultRow.From("direct to fake upstream", $"whole streamed run, {o.Conversations} conversations", directMany.Totals, directMany.Errors, directMany.Rate);
            var totalRow = ResultRow.From("Threadline", $"whole streamed run, {o.Conversations} conversations", many.Totals, many.Errors, many.Rate, sample).ComparedTo(directTotalRow);
            foreach (var row in new[] { soloRow, directSoloRow, manyRow, directManyRow, totalRow, directTotalRow })
                result.Row(row);
            result.Row(ResultRow.FromBuckets("Threadline", "model TTFT inside server (/metrics)", ttftServer, sample));
            result.Row(ResultRow.FromBuckets("Threadline", "queue wait (/metrics)", queueWait, sample));
            result.Chart("Threadline: time to first token, 1 conversation", solo.Ttft.Cdf());
            result.Chart("direct: time to first token, 1 conversation", directSolo.Ttft.Cdf());
            result.Chart($"Threadline: time to first token, {o.Conversations} conversations", many.Ttft.Cdf());
            result.Chart($"direct: time to first token, {o.Conversations} conversations", directMany.Ttft.Cdf());

            result.Detail($"Threadline server CPU (cores) during the {o.Conversations}-conversation runs", (sample.CpuSeconds - atStart.CpuSeconds) / manySeconds);
            result.Detail("fake upstream CPU seconds (direct + through Threadline)", fake.Sample().CpuSeconds - fakeBefore.CpuSeconds);
            result.Detail($"runs per second at {o.Conversations} conversations: Threadline / direct", Format.Ratio(many.Rate, directMany.Rate));
            result.Warnings(server);

            var added = soloRow.P50Ms - directSoloRow.P50Ms;
            result.Target("TTFT p50 at 1 conversation ≤ direct + 3 ms", "≤ +3 ms",
                $"{(added is { } d ? $"{d:+0.00;-0.00}" : "–")} ms ({Format.Ms(soloRow.P50Ms)} ms vs {Format.Ms(directSoloRow.P50Ms)} ms)", added is { } a ? a <= 3 : null);
            var ratio = manyRow.P50Ratio;
            result.Target($"TTFT p50 at {o.Conversations} conversations ≤ 1.2 × direct", "≤ 1.2",
                $"{Format.Num(ratio, "0.00")} ({Format.Ms(manyRow.P50Ms)} ms vs {Format.Ms(directManyRow.P50Ms)} ms)", ratio is { } r ? r <= 1.2 : null);
            var errors = solo.Errors + many.Errors;
            result.Target("0 errors", "0", $"{errors} of {runs}", errors == 0);
        }
        ctx.Discard(dir);
    }

    /// <summary>Settings that make the fake upstream Threadline's provider of every model.</summary>
    internal static string[] FakeProvider(ServiceProcess fake) =>
    [
        "--Threadline:Models:Providers:0:Name=fake",
        $"--Threadline:Models:Providers:0:BaseUrl={new Uri(fake.BaseUrl, "v1")}",
        "--Threadline:Models:Providers:0:ApiKey=bench",
        "--Threadline:Models:Providers:0:Models:0=*",
    ];

    /// <summary><paramref name="conversations"/> concurrent conversations each doing <paramref name="rounds"/> runs in turn.</summary>
    internal static async Task<Phase> DriveAsync(int conversations, int rounds, Func<int, Task<StreamOutcome?>> run, CancellationToken ct)
    {
        var ttft = new LatencyRecorder();
        var totals = new LatencyRecorder();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, conversations).Select(c => Task.Run(async () =>
        {
            for (var r = 0; r < rounds; r++)
            {
                StreamOutcome? outcome;
                try
                {
                    outcome = await run(c);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    outcome = null;
                }
                if (outcome?.FirstTokenMs is not { } first)
                {
                    ttft.Error();
                    continue;
                }
                ttft.Add(first);
                totals.Add(outcome.TotalMs);
            }
        }, ct)));
        var seconds = clock.Elapsed.TotalSeconds;
        return new Phase(ttft.Stats(), totals.Stats(), ttft.Errors, ttft.Count / seconds);
    }

    internal static Task<StreamOutcome?> ThreadlineAsync(HttpClient api, string assistant, int conversation, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["assistant_id"] = assistant,
            ["thread"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"Conversation {conversation}: tell me something." }) },
            ["stream"] = true,
        };
        return EventStream.PostAsync(api, "threads/runs", body, EventStream.ThreadlineRun("done"), ct);
    }

    internal static Task<StreamOutcome?> DirectAsync(HttpClient upstream, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Tell me something." }),
            ["stream"] = true,
        };
        return EventStream.PostAsync(upstream, "chat/completions", body, line =>
            line.StartsWith("data: [DONE]", StringComparison.Ordinal) ? StreamLine.End
            : line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal)
              && !line.Contains("\"content\":\"\"", StringComparison.Ordinal) ? StreamLine.Token
            : StreamLine.Other, ct);
    }
}
