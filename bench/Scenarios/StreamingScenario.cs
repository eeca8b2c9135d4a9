using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 5. Streamed runs through Threadline against the fake upstream, beside the same client streaming
/// straight from the fake upstream, at one conversation and at many; through the Assistants API and
/// through the Responses API (<see cref="ApiSurface"/>), the Responses API's rows compared to the Assistants
/// API's. Targets, for each API: time to first token at one conversation at most 3 ms over direct (p50),
/// and at most 1.2 × direct with many.
/// </summary>
internal static class StreamingScenario
{
    internal const string Model = "fake-model";

    /// <summary>Client-side times of one phase: to the first token, to the end of the stream, and runs per second.</summary>
    internal sealed record Phase(LatencyStats Ttft, LatencyStats Totals, long Errors, double Rate);

    /// <summary>One API's Threadline phases, and the server's own histograms over them.</summary>
    private sealed record Measured(Phase Solo, Phase Many, BucketHistogram TtftServer, BucketHistogram QueueWait, ProcessSample Sample, double ManyCores);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var runs = o.SoloRuns + (o.Conversations * o.StreamRounds);
        var warmups = Math.Min(20, o.Conversations);
        result.Setup = $"Fake upstream (tests/Threadline.FakeUpstream, own process): {o.FirstTokenMs} ms to the first token, {o.Tokens} tokens {o.TokenIntervalMs} ms apart. " +
            $"After a warm-up of {warmups} runs: one conversation doing {o.SoloRuns} streamed runs one after another, then {o.Conversations} concurrent conversations " +
            $"each doing {o.StreamRounds} streamed runs one after another. " +
            $"Threadline (defaults, provider `fake` at the fake's /v1, model `{Model}`), on a fresh server per API: " +
            $"Assistants API: {ApiSurface.Assistants.StreamCall}; Responses API: {ApiSurface.Responses.StreamCall}. " +
            "Direct: `POST /v1/chat/completions` with `stream: true` to the fake; " +
            "time to first token = until the first chunk with content. All measured by the harness's client (wrk cannot time a first token); " +
            "a whole streamed run ends at `done` (Assistants API), `response.completed` (Responses API), `[DONE]` (direct). " +
            "Runs per second = runs / (first start to last end). The Assistants API's rows are compared to direct, the Responses API's to the Assistants API's; " +
            "the targets of each are against direct.";

        await using var fake = await ctx.StartFakeUpstreamAsync(o.FirstTokenMs, o.Tokens, o.TokenIntervalMs, ct);

        // :: Direct
        using var direct = Http.Client(new Uri(fake.BaseUrl, "v1/"));
        await DriveAsync(warmups, 1, _ => DirectAsync(direct, ct), ct);
        var fakeBefore = fake.Sample();
        var directSolo = await DriveAsync(1, o.SoloRuns, _ => DirectAsync(direct, ct), ct);
        var directMany = await DriveAsync(o.Conversations, o.StreamRounds, _ => DirectAsync(direct, ct), ct);
        ctx.Log($"direct: TTFT p50 {directSolo.Ttft.P50:0.0} ms alone, {directMany.Ttft.P50:0.0} ms at {o.Conversations}; {directMany.Rate:0} runs/s");

        // :: Threadline, through each API
        var measured = new Dictionary<ApiSurface, Measured>();
        foreach (var surface in ApiSurface.All)
            measured[surface] = await ThreadlineAsync(ctx, result, surface, fake, warmups, ct);

        var directSoloRow = ResultRow.From("direct to fake upstream", "time to first token, 1 conversation", directSolo.Ttft, directSolo.Errors, directSolo.Rate, fake.Sample());
        var directManyRow = ResultRow.From("direct to fake upstream", $"time to first token, {o.Conversations} conversations", directMany.Ttft, directMany.Errors, directMany.Rate);
        var directTotalRow = ResultRow.From("direct to fake upstream", $"whole streamed run, {o.Conversations} conversations", directMany.Totals, directMany.Errors, directMany.Rate);
        var solo = Rows(result, measured, directSoloRow, m => (m.Solo.Ttft, m.Solo));
        var many = Rows(result, measured, directManyRow, m => (m.Many.Ttft, m.Many));
        Rows(result, measured, directTotalRow, m => (m.Many.Totals, m.Many));
        foreach (var (surface, m) in measured)
        {
            var system = System(surface);
            result.Row(ResultRow.FromBuckets(system, "model TTFT inside server (/metrics)", m.TtftServer, m.Sample));
            result.Row(ResultRow.FromBuckets(system, "queue wait (/metrics)", m.QueueWait, m.Sample));
        }
        result.Chart("direct: time to first token, 1 conversation", directSolo.Ttft.Cdf());
        result.Chart($"direct: time to first token, {o.Conversations} conversations", directMany.Ttft.Cdf());
        result.Detail("fake upstream CPU seconds (direct + through Threadline, both APIs)", fake.Sample().CpuSeconds - fakeBefore.CpuSeconds);

        foreach (var (surface, m) in measured)
        {
            result.Detail($"{System(surface)}: server CPU (cores) during the {o.Conversations}-conversation runs", m.ManyCores);
            result.Detail($"runs per second at {o.Conversations} conversations: {System(surface)} / direct", Format.Ratio(m.Many.Rate, directMany.Rate));
            var soloP50 = solo[surface].P50Ms;
            var added = soloP50 - directSoloRow.P50Ms;
            result.Target($"{surface.Name}: TTFT p50 at 1 conversation ≤ direct + 3 ms", "≤ +3 ms",
                $"{(added is { } d ? $"{d:+0.00;-0.00}" : "–")} ms ({Format.Ms(soloP50)} ms vs {Format.Ms(directSoloRow.P50Ms)} ms)", added is { } a ? a <= 3 : null);
            var manyP50 = many[surface].P50Ms;
            var ratio = Format.Ratio(manyP50, directManyRow.P50Ms);
            result.Target($"{surface.Name}: TTFT p50 at {o.Conversations} conversations ≤ 1.2 × direct", "≤ 1.2",
                $"{Format.Num(ratio, "0.00")} ({Format.Ms(manyP50)} ms vs {Format.Ms(directManyRow.P50Ms)} ms)", ratio is { } r ? r <= 1.2 : null);
            var errors = m.Solo.Errors + m.Many.Errors;
            result.Target($"{surface.Name}: 0 errors", "0", $"{errors} of {runs}", errors == 0);
        }
    }

    /// <summary>
    /// Warm-up, the single conversation and the many through <paramref name="surface"/>, on a fresh server; its charts,
    /// details and warnings go into <paramref name="result"/>.
    /// </summary>
    private static async Task<Measured> ThreadlineAsync(BenchContext ctx, ScenarioResult result, ApiSurface surface, ServiceProcess fake, int warmups, CancellationToken ct)
    {
        var o = ctx.Options;
        var label = System(surface);
        var dir = ctx.NewDataDirectory("streaming");
        Measured measured;
        await using (var server = await ctx.StartThreadlineAsync(dir, FakeProvider(fake), ct))
        {
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            using var root = Http.Client(server.BaseUrl);
            var session = await surface.OpenAsync(api, Model, 0, ct);
            await DriveAsync(warmups, 1, i => session.StreamAsync(api, i, ct), ct);
            var before = await PrometheusScrape.ReadAsync(root, server.BaseUrl, ct);
            var solo = await DriveAsync(1, o.SoloRuns, i => session.StreamAsync(api, i, ct), ct);
            var atStart = server.Sample();
            var clock = Stopwatch.StartNew();
            var many = await DriveAsync(o.Conversations, o.StreamRounds, i => session.StreamAsync(api, i, ct), ct);
            var manySeconds = clock.Elapsed.TotalSeconds;
            var sample = server.Sample();
            const string ttftMetric = "threadline_model_time_to_first_token_milliseconds";
            const string queueWaitMetric = "threadline_run_queue_wait_milliseconds";
            var after = await PrometheusScrape.ReadAtLeastAsync(root, server.BaseUrl, ttftMetric,
                before.Histogram(ttftMetric).Count + solo.Ttft.Count + many.Ttft.Count, TimeSpan.FromSeconds(5), ct);
            ctx.Log($"{label}: TTFT p50 {solo.Ttft.P50:0.0} ms alone, {many.Ttft.P50:0.0} ms at {o.Conversations}; {many.Rate:0} runs/s, {solo.Errors + many.Errors} errors");
            measured = new Measured(solo, many, after.Histogram(ttftMetric).Minus(before.Histogram(ttftMetric)),
                after.Histogram(queueWaitMetric).Minus(before.Histogram(queueWaitMetric)), sample, (sample.CpuSeconds - atStart.CpuSeconds) / manySeconds);
            result.Chart($"{label}: time to first token, 1 conversation", solo.Ttft.Cdf());
            result.Chart($"{label}: time to first token, {o.Conversations} conversations", many.Ttft.Cdf());
            result.Warnings(server, label);
        }
        ctx.Discard(dir);
        return measured;
    }

    private static string System(ApiSurface surface) => $"Threadline, {surface.Name}";

    /// <summary>
    /// One operation's rows: every API's, then direct's. The first API's (the Assistants API's) is compared to direct,
    /// the others to the first's. Returns each API's row.
    /// </summary>
    private static Dictionary<ApiSurface, ResultRow> Rows(ScenarioResult result, Dictionary<ApiSurface, Measured> measured, ResultRow directRow,
        Func<Measured, (LatencyStats Stats, Phase Phase)> of)
    {
        var rows = new Dictionary<ApiSurface, ResultRow>();
        ResultRow? first = null;
        foreach (var (surface, m) in measured)
        {
            var (stats, phase) = of(m);
            var row = ResultRow.From(System(surface), directRow.Operation, stats, phase.Errors, phase.Rate, m.Sample).ComparedTo(first ?? directRow);
            rows[surface] = result.Row(row);
            first ??= row;
        }
        result.Row(directRow);
        return rows;
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
