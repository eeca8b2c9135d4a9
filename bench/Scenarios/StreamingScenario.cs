using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 4. Streamed runs through Threadline against the fake upstream, beside the same client streaming
/// straight from the fake upstream. Targets: time to first token through Threadline at most 1.1 × the
/// direct one at p50, and at least 0.8 of the direct runs per second.
/// </summary>
internal static class StreamingScenario
{
    private const string Model = "fake-model";

    private sealed record StreamOutcome(double FirstTokenMs, double TotalMs, int Tokens);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var runs = o.Conversations * o.StreamRounds;
        result.Setup = $"Fake upstream (tests/Threadline.FakeUpstream, own process): {o.FirstTokenMs} ms to the first token, {o.Tokens} tokens {o.TokenIntervalMs} ms apart. " +
            $"{o.Conversations} concurrent conversations, each doing {o.StreamRounds} streamed runs one after another ({runs:N0} runs), after a warm-up of {Math.Min(20, o.Conversations)} runs. " +
            $"Threadline (defaults, provider `fake` at the fake's /v1, model `{Model}`): `POST /v1/threads/runs` with `stream: true` and a new thread with one message; " +
            "time to first token = until the first `thread.message.delta` event. Direct: `POST /v1/chat/completions` with `stream: true` to the fake; " +
            "time to first token = until the first chunk with content. Runs per second = runs / (first start to last end).";

        await using var fake = await ctx.StartFakeUpstreamAsync(o.FirstTokenMs, o.Tokens, o.TokenIntervalMs, ct);

        // :: Direct
        using var direct = Http.Client(new Uri(fake.BaseUrl, "v1/"));
        await DriveAsync(Math.Min(20, o.Conversations), 1, _ => DirectAsync(direct, ct), ct);
        var fakeBefore = fake.Sample();
        var (directStats, directErrors, directRate, directTotals) = await DriveAsync(o.Conversations, o.StreamRounds, _ => DirectAsync(direct, ct), ct);
        ctx.Log($"direct: {directRate:0} runs/s, TTFT p50 {directStats.P50:0.0} ms");

        // :: Threadline
        var dir = ctx.NewDataDirectory("streaming");
        await using (var server = await ctx.StartThreadlineAsync(dir,
        [
            "--Threadline:Models:Providers:0:Name=fake",
            $"--Threadline:Models:Providers:0:BaseUrl={new Uri(fake.BaseUrl, "v1")}",
            "--Threadline:Models:Providers:0:ApiKey=bench",
            "--Threadline:Models:Providers:0:Models:0=*",
        ], ct))
        {
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            using var root = Http.Client(server.BaseUrl);
            var assistant = await BenchContext.CreateAssistantAsync(api, Model, ct);
            await DriveAsync(Math.Min(20, o.Conversations), 1, i => ThreadlineAsync(api, assistant, i, ct), ct);
            var before = await PrometheusScrape.ReadAsync(root, server.BaseUrl, ct);
            var atStart = server.Sample();
            var (stats, errors, rate, totals) = await DriveAsync(o.Conversations, o.StreamRounds, i => ThreadlineAsync(api, assistant, i, ct), ct);
            var sample = server.Sample();
            const string ttftMetric = "threadline_model_time_to_first_token_milliseconds";
            var after = await PrometheusScrape.ReadAtLeastAsync(root, server.BaseUrl, ttftMetric,
                before.Histogram(ttftMetric).Count + totals.Count, TimeSpan.FromSeconds(5), ct);
            ctx.Log($"threadline: {rate:0} runs/s, TTFT p50 {stats.P50:0.0} ms, {errors} errors");

            var ttftServer = after.Histogram("threadline_model_time_to_first_token_milliseconds").Minus(before.Histogram("threadline_model_time_to_first_token_milliseconds"));
            var queueWait = after.Histogram("threadline_run_queue_wait_milliseconds").Minus(before.Histogram("threadline_run_queue_wait_milliseconds"));

            var directRow = ResultRow.From("direct to fake upstream", "time to first token", directStats, directErrors, directRate, fake.Sample());
            var row = ResultRow.From("Threadline", "time to first token", stats, errors, rate, sample).ComparedTo(directRow);
            result.Row(row);
            result.Row(directRow);
            var totalRow = ResultRow.From("Threadline", "whole streamed run", totals, errors, rate, sample);
            var directTotalRow = ResultRow.From("direct to fake upstream", "whole streamed run", directTotals, directErrors, directRate);
            result.Row(totalRow.ComparedTo(directTotalRow));
            result.Row(directTotalRow);
            result.Row(ResultRow.FromBuckets("Threadline", "model TTFT inside server (/metrics)", ttftServer, sample));
            result.Row(ResultRow.FromBuckets("Threadline", "queue wait (/metrics)", queueWait, sample));
            result.Chart("Threadline: time to first token", stats.Cdf());
            result.Chart("direct: time to first token", directStats.Cdf());
            result.Chart("Threadline: queue wait (/metrics)", queueWait.Cdf(), fromBuckets: true);

            result.Detail("Threadline server CPU (cores) during the measured runs", (sample.CpuSeconds - atStart.CpuSeconds) / (totals.Count / Math.Max(rate, 0.001)));
            result.Detail("fake upstream CPU seconds (direct + through Threadline)", fake.Sample().CpuSeconds - fakeBefore.CpuSeconds);
            result.Detail("concurrent conversations", o.Conversations);
            result.Warnings(server);

            var ttftRatio = row.P50Ratio;
            var rateRatio = row.ThroughputRatio;
            result.Target("TTFT p50 ≤ 1.1 × direct", "≤ 1.1", $"{Format.Num(ttftRatio, "0.00")} ({Format.Ms(row.P50Ms)} ms vs {Format.Ms(directRow.P50Ms)} ms)", ttftRatio is { } t ? t <= 1.1 : null);
            result.Target("runs/s ≥ 0.8 × direct", "≥ 0.8", $"{Format.Num(rateRatio, "0.00")} ({rate:0.0}/s vs {directRate:0.0}/s)", rateRatio is { } r ? r >= 0.8 : null);
            result.Target("0 errors", "0", $"{errors} of {runs}", errors == 0);
        }
        ctx.Discard(dir);
    }

    /// <summary>
    /// <paramref name="conversations"/> concurrent conversations each doing <paramref name="rounds"/> runs in turn:
    /// time-to-first-token stats, errors, runs per second, and whole-run stats.
    /// </summary>
    private static async Task<(LatencyStats Ttft, long Errors, double Rate, LatencyStats Totals)> DriveAsync(int conversations, int rounds,
        Func<int, Task<StreamOutcome?>> run, CancellationToken ct)
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
                if (outcome is null)
                {
                    ttft.Error();
                    continue;
                }
                ttft.Add(outcome.FirstTokenMs);
                totals.Add(outcome.TotalMs);
            }
        }, ct)));
        var seconds = clock.Elapsed.TotalSeconds;
        return (ttft.Stats(), ttft.Errors, ttft.Count / seconds, totals.Stats());
    }

    private static async Task<StreamOutcome?> ThreadlineAsync(HttpClient api, string assistant, int conversation, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["assistant_id"] = assistant,
            ["thread"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"Conversation {conversation}: tell me something." }) },
            ["stream"] = true,
        };
        return await ReadStreamAsync(api, "threads/runs", body, line =>
            line switch
            {
                "event: thread.message.delta" => LineKind.Token,
                "event: done" => LineKind.End,
                "event: thread.run.failed" or "event: error" or "event: thread.run.expired" or "event: thread.run.cancelled" => LineKind.Failure,
                _ => LineKind.Other,
            }, ct);
    }

    private static Task<StreamOutcome?> DirectAsync(HttpClient upstream, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Tell me something." }),
            ["stream"] = true,
        };
        return ReadStreamAsync(upstream, "chat/completions", body, line =>
            line.StartsWith("data: [DONE]", StringComparison.Ordinal) ? LineKind.End
            : line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal)
              && !line.Contains("\"content\":\"\"", StringComparison.Ordinal) ? LineKind.Token
            : LineKind.Other, ct);
    }

    private enum LineKind { Other, Token, End, Failure }

    private static async Task<StreamOutcome?> ReadStreamAsync(HttpClient client, string path, JsonNode body, Func<string, LineKind> classify, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(body) };
        request.Headers.Accept.Add(Http.EventStream);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            return null;
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);
        double? first = null;
        var tokens = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            switch (classify(line))
            {
                case LineKind.Token:
                    first ??= LatencyRecorder.Ms(t0);
                    tokens++;
                    break;
                case LineKind.End:
                    return first is { } f ? new StreamOutcome(f, LatencyRecorder.Ms(t0), tokens) : null;
                case LineKind.Failure:
                    return null;
            }
        }
        return null;
    }
}
