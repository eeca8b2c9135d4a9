using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 3. Users who each send a burst of messages within a few hundred milliseconds, each message its own
/// independent request (as chat-channel webhooks arrive). Threadline: each message is one debounced call
/// (Assistants API: <c>POST /v1/threads/runs</c> with the user's <c>external_id</c>; Responses API:
/// <c>POST /v1/responses</c> on the user's conversation with <c>background</c>), so the burst folds into one
/// run. Beside it, the hosted API's way: a server with <c>Concurrency=reject</c> and clients that retry every
/// refused call. Each half through both APIs (<see cref="ApiSurface"/>), the Responses API's rows compared to
/// the Assistants API's. Targets, for each API: 0 errors, exactly one run per user, debounce lateness p99 ≤ 10 ms.
/// </summary>
internal static class BurstsScenario
{
    private const string Active = "('queued', 'in_progress', 'requires_action', 'cancelling')";

    /// <summary>The rows one surface's half gave, for the next surface's to be compared to.</summary>
    private sealed record Rows(ResultRow Sends, ResultRow Answers, ResultRow? Lateness);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        result.Setup = $"{o.Users:N0} users arrive evenly over {o.ArrivalWindowMs / 1000.0:0.#} s; each sends {o.MessagesPerUser} messages " +
            $"{o.BurstSpreadMs / Math.Max(1, o.MessagesPerUser - 1)} ms apart (within {o.BurstSpreadMs} ms), every message from an independent request that does not wait for the others. " +
            $"Model `{o.BurstModel}`. Each half runs through the Assistants API and again through the Responses API, on a fresh server each. " +
            $"Threadline (defaults), Assistants API: each message is `POST /v1/threads/runs` with `thread.external_id` = the user, the message, and `debounce_ms: {o.DebounceMs}`; " +
            $"Responses API: each user's conversation is made before the first message is sent (`POST /v1/conversations`, not timed), then each message is " +
            $"`POST /v1/responses` with `model`, `input` = the message, `conversation` and `background: true` (so it answers at once, as a run does), and `debounce_ms: {o.DebounceMs}`. " +
            $"Hosted-API emulation (`--Threadline:Concurrency=reject`), Assistants API: each message finds or creates the user's thread (`POST /v1/threads` with `external_id`), then " +
            $"`POST .../messages` and `POST .../runs`; Responses API: each message is the same `POST /v1/responses` without `debounce_ms`, refused with `conversation_locked` " +
            $"while the conversation has a response in progress; every call retried every {o.RetryMs} ms while it answers 400. " +
            "Time to the last answer = from the first message sent to the end of the last run; answer time per user = from the user's first message to the end of their last run. " +
            "The Responses API's rows are compared to the same rows through the Assistants API; the targets hold for each.";

        var plan = Schedule(o);
        await EachSurfaceAsync((surface, baseline) => DebouncedAsync(ctx, result, surface, plan, baseline, ct));
        await EachSurfaceAsync((surface, baseline) => HostedAsync(ctx, result, surface, plan, baseline, ct));
    }

    /// <summary>A half through each surface in turn, each given the first's rows to be compared to.</summary>
    private static async Task EachSurfaceAsync(Func<ApiSurface, Rows?, Task<Rows>> half)
    {
        Rows? first = null;
        foreach (var surface in ApiSurface.All)
        {
            var rows = await half(surface, first);
            first ??= rows;
        }
    }

    /// <summary>Threadline's way: every message one debounced call, each user's burst folding into one run.</summary>
    private static async Task<Rows> DebouncedAsync(BenchContext ctx, ScenarioResult result, ApiSurface surface,
        Plan plan, Rows? baseline, CancellationToken ct)
    {
        var o = ctx.Options;
        var (schedule, firstSendMs) = plan;
        var sends = schedule.Count;
        var system = $"Threadline (debounce), {surface.Name}";
        var label = $"Threadline, {surface.Name}";
        var dir = ctx.NewDataDirectory("bursts");
        await using var server = await ctx.StartThreadlineAsync(dir, [], ct);
        using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
        using var root = Http.Client(server.BaseUrl);
        var session = await surface.OpenAsync(api, o.BurstModel, o.Users, ct);
        var before = await PrometheusScrape.ReadAsync(root, server.BaseUrl, ct);

        var latency = new LatencyRecorder();
        var runsByUser = new ConcurrentDictionary<int, ConcurrentDictionary<string, bool>>();
        var statuses = new ConcurrentDictionary<int, int>();
        long joined = 0;
        string? firstError = null;
        var (startUnixMs, elapsed) = await SendOnScheduleAsync(schedule, async (user, k) =>
        {
            var (path, body) = session.DebouncedMessage(user, k, o.DebounceMs);
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                using var response = await api.PostAsync(path, Http.Json(body), ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (!response.IsSuccessStatusCode)
                {
                    latency.Error();
                    Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode}: {Http.Truncate(text)}", null);
                    return;
                }
                latency.Add(LatencyRecorder.Ms(t0));
                var run = JsonNode.Parse(text)!;
                runsByUser.GetOrAdd(user, _ => new())[(string)run["id"]!] = true;
                if (run["joined"]?.GetValue<bool>() == true)
                    Interlocked.Increment(ref joined);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                latency.Error();
                Interlocked.CompareExchange(ref firstError, e.Message, null);
            }
        }, ct);
        ctx.Log($"{label}: {sends:N0} messages sent in {elapsed:0.0} s, {latency.Errors} errors; waiting for the runs");

        await using var db = new ServerDatabase(dir);
        var pending = await WaitForRunsAsync(db, ct);
        var sample = server.Sample();
        var runsPerUser = await RunsPerUserAsync(db, session, ct);
        const string latenessMetric = "threadline_run_debounce_lateness_milliseconds";
        var after = await PrometheusScrape.ReadAtLeastAsync(root, server.BaseUrl, latenessMetric,
            before.Histogram(latenessMetric).Count + runsPerUser.Values.Sum(), TimeSpan.FromSeconds(5), ct);
        var lateness = after.Histogram(latenessMetric).Minus(before.Histogram(latenessMetric));

        var exactlyOne = runsPerUser.Values.Count(n => n == 1);
        var fromResponses = Enumerable.Range(0, o.Users).Count(u => runsByUser.TryGetValue(u, out var ids) && ids.Count == 1);
        var answers = await AnswerTimesAsync(db, session, startUnixMs, firstSendMs, ct);
        var sawAll = await RepliesSeeingAllAsync(db, o.MessagesPerUser, ct);
        var totalRuns = runsPerUser.Values.Sum();

        var rows = new Rows(
            ResultRow.From(system, $"{surface.BurstCall} per message", latency.Stats(), latency.Errors, latency.Count / elapsed, sample),
            ResultRow.From(system, "answer time per user", answers.PerUser, o.Users - answers.PerUser.Count, null) with { Source = "SQLite" },
            ResultRow.FromBuckets(system, "debounce lateness (/metrics)", lateness, sample));
        AddRows(result, rows, baseline);
        result.Chart($"{label}: {surface.BurstCall}", latency.Stats().Cdf());
        result.Chart($"{label}: debounce lateness (/metrics)", lateness.Cdf(), fromBuckets: true);

        var errors = latency.Errors;
        result.Detail($"{label}: HTTP statuses", string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}")));
        result.Detail($"{label}: runs in all / users with exactly one run (SQLite)", $"{totalRuns} / {exactlyOne} of {o.Users}");
        result.Detail($"{label}: users whose responses all named one run id", $"{fromResponses} of {o.Users}");
        result.Detail($"{label}: calls that joined an existing run", joined);
        result.Detail($"{label}: replies that answered all of the user's messages", $"{sawAll} of {totalRuns}");
        result.Detail($"{label}: runs still not ended at the deadline", pending);
        result.Detail($"{label}: time to the last answer (s)", answers.LastAnswerSeconds);
        result.Detail($"{label}: debounce lateness mean (ms) / n", $"{Format.Ms(lateness.Mean)} / {lateness.Count}");
        if (firstError is not null)
            result.Detail($"{label}: first error", firstError);

        var late = rows.Lateness!;
        result.Target($"{surface.Name}: 0 errors", "0", $"{errors} of {sends}", errors == 0);
        result.Target($"{surface.Name}: exactly one run per user", $"{o.Users} of {o.Users}", $"{exactlyOne} of {o.Users} ({totalRuns} runs)", exactlyOne == o.Users && runsPerUser.Count == o.Users);
        result.Target($"{surface.Name}: debounce lateness p99 ≤ 10 ms in bursts", "≤ 10 ms", $"{Format.Ms(late.P99Ms)} ms (p50 {Format.Ms(late.P50Ms)} ms, n = {late.Count})", late.P99Ms is { } p ? p <= 10 : null);
        result.Detail($"{label}: messages per second sent", sends / elapsed);
        result.Warnings(server, label);
        await server.StopAsync();
        ctx.Discard(dir);
        return rows;
    }

    /// <summary>The hosted API's way: a server in strict mode, and clients that retry every refused call.</summary>
    private static async Task<Rows> HostedAsync(BenchContext ctx, ScenarioResult result, ApiSurface surface,
        Plan plan, Rows? baseline, CancellationToken ct)
    {
        var o = ctx.Options;
        var (schedule, firstSendMs) = plan;
        var sends = schedule.Count;
        var system = $"hosted emulation (reject + retry {o.RetryMs / 1000.0:0.##} s), {surface.Name}";
        var label = $"reject mode, {surface.Name}";
        var dir = ctx.NewDataDirectory("bursts-reject");
        await using var server = await ctx.StartThreadlineAsync(dir, ["--Threadline:Concurrency=reject"], ct);
        using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
        var session = await surface.OpenAsync(api, o.BurstModel, o.Users, ct);
        var perMessage = new LatencyRecorder();
        long rejections = 0, failures = 0, requests = 0;
        // Clients give up at the deadline; what was not delivered by then counts as not delivered.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(o.RejectDeadlineSeconds));
        var giveUp = deadline.Token;
        var (startUnixMs, elapsed) = await SendOnScheduleAsync(schedule, async (user, k) =>
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                await session.DeliverAsync(api, user, k, RetryAsync, giveUp);
                perMessage.Add(LatencyRecorder.Ms(t0));
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                perMessage.Error();
                Interlocked.Increment(ref failures);
            }
        }, ct);

        async Task<JsonNode?> RetryAsync(Func<Task<HttpResponseMessage>> send)
        {
            while (true)
            {
                Interlocked.Increment(ref requests);
                using var response = await send();
                var text = await response.Content.ReadAsStringAsync(giveUp);
                if (response.IsSuccessStatusCode)
                    return JsonNode.Parse(text);
                if (response.StatusCode != HttpStatusCode.BadRequest)
                    throw new InvalidOperationException($"{(int)response.StatusCode}: {Http.Truncate(text)}");
                Interlocked.Increment(ref rejections);
                await Task.Delay(o.RetryMs, giveUp);
            }
        }

        ctx.Log($"{label}: {perMessage.Count:N0} of {sends:N0} messages delivered in {elapsed:0.0} s with {rejections} rejections; waiting for the runs");
        await using var db = new ServerDatabase(dir);
        var pending = await WaitForRunsAsync(db, ct);
        var sample = server.Sample();
        var runsPerUser = await RunsPerUserAsync(db, session, ct);
        var answers = await AnswerTimesAsync(db, session, startUnixMs, firstSendMs, ct);
        var totalRuns = runsPerUser.Values.Sum();
        var exactlyOne = runsPerUser.Values.Count(n => n == 1);

        var rows = new Rows(
            ResultRow.From(system, "message delivered (with retries)", perMessage.Stats(), failures, perMessage.Count / elapsed, sample),
            ResultRow.From(system, "answer time per user", answers.PerUser, o.Users - answers.PerUser.Count, null) with { Source = "SQLite" },
            null);
        AddRows(result, rows, baseline);
        result.Chart($"{label}: message delivered", perMessage.Stats().Cdf());
        result.Detail($"{label}: 400 answers (rejections) / requests in all", $"{rejections} / {requests}");
        result.Detail($"{label}: messages not delivered when the clients gave up ({o.RejectDeadlineSeconds:0} s after the first message)", failures);
        result.Detail($"{label}: runs in all / users with exactly one run", $"{totalRuns} / {exactlyOne} of {o.Users}");
        result.Detail($"{label}: runs still not ended at the deadline", pending);
        result.Detail($"{label}: time to the last answer (s)", answers.LastAnswerSeconds);
        result.Warnings(server, label);
        await server.StopAsync();
        ctx.Discard(dir);
        return rows;
    }

    /// <summary>A half's rows, each compared to the same row of <paramref name="baseline"/> when there is one.</summary>
    private static void AddRows(ScenarioResult result, Rows rows, Rows? baseline)
    {
        result.Row(baseline is null ? rows.Sends : rows.Sends.ComparedTo(baseline.Sends));
        result.Row(baseline is null ? rows.Answers : rows.Answers.ComparedTo(baseline.Answers));
        if (rows.Lateness is { } lateness)
            result.Row(baseline?.Lateness is { } other ? lateness.ComparedTo(other) : lateness);
    }

    /// <summary>When each user's messages are sent (ms from the start, in order), and each user's first.</summary>
    internal sealed record Plan(List<(double AtMs, int User, int Index)> Sends, double[] FirstSendMs);

    internal static Plan Schedule(BenchOptions o)
    {
        var sends = Enumerable.Range(0, o.Users).SelectMany(u => Enumerable.Range(0, o.MessagesPerUser).Select(k =>
            (AtMs: ((double)u * o.ArrivalWindowMs / Math.Max(1, o.Users)) + (o.MessagesPerUser <= 1 ? 0 : (double)k * o.BurstSpreadMs / (o.MessagesPerUser - 1)), User: u, Index: k)))
            .OrderBy(s => s.AtMs).ToList();
        return new Plan(sends, Enumerable.Range(0, o.Users).Select(u => (double)u * o.ArrivalWindowMs / Math.Max(1, o.Users)).ToArray());
    }

    /// <summary>Fires each send at its time (not waiting for earlier ones); returns the start as unix ms and the seconds until every send was answered.</summary>
    internal static async Task<(long StartUnixMs, double Seconds)> SendOnScheduleAsync(List<(double AtMs, int User, int Index)> schedule,
        Func<int, int, Task> send, CancellationToken ct)
    {
        var tasks = new List<Task>(schedule.Count);
        var startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        foreach (var (at, user, index) in schedule)
        {
            var wait = at - clock.Elapsed.TotalMilliseconds;
            if (wait >= 1)
                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
            tasks.Add(Task.Run(() => send(user, index), ct));
        }
        await Task.WhenAll(tasks);
        return (startUnixMs, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Waits (bounded) until no run is queued or active; returns how many still are.</summary>
    internal static async Task<long> WaitForRunsAsync(IStoreReader db, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var open = await db.ScalarAsync<long>($"SELECT count(*) FROM runs WHERE status IN {Active}", ct);
            if (open == 0 || DateTime.UtcNow > deadline)
                return open;
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Runs per user, by the users' threads (every user with a thread, 0 when it has no run).</summary>
    internal static async Task<Dictionary<int, int>> RunsPerUserAsync(IStoreReader db, ApiSurface.Session users, CancellationToken ct)
    {
        var runs = new Dictionary<int, int>();
        foreach (var row in await db.RowsAsync("SELECT t.id, t.external_id, count(r.id) FROM threads t LEFT JOIN runs r ON r.thread_id = t.id GROUP BY t.id, t.external_id", ct))
        {
            if (users.UserOf((string)row[0]!, (string?)row[1]) is { } user)
                runs[user] = runs.GetValueOrDefault(user) + Convert.ToInt32(row[2]);
        }
        return runs;
    }

    internal sealed record Answers(LatencyStats PerUser, double LastAnswerSeconds);

    /// <summary>Per user: from the first message sent to the end of the user's last run.</summary>
    internal static async Task<Answers> AnswerTimesAsync(IStoreReader db, ApiSurface.Session users, long startUnixMs, double[] firstSendMs, CancellationToken ct)
    {
        var rows = await db.RowsAsync("SELECT t.id, t.external_id, MAX(r.ended_at_ms) FROM threads t JOIN runs r ON r.thread_id = t.id GROUP BY t.id, t.external_id", ct);
        var perUser = new List<double>();
        long last = startUnixMs;
        foreach (var row in rows)
        {
            if (row[2] is null || users.UserOf((string)row[0]!, (string?)row[1]) is not { } user)
                continue;
            var ended = Convert.ToInt64(row[2]);
            last = Math.Max(last, ended);
            perUser.Add(ended - startUnixMs - firstSendMs[user]);
        }
        return new Answers(new LatencyStats(perUser), (last - startUnixMs) / 1000.0);
    }

    /// <summary>Replies whose text holds one line per message of the burst (the echo model answers every user message it saw).</summary>
    private static async Task<int> RepliesSeeingAllAsync(IStoreReader db, int messagesPerUser, CancellationToken ct)
    {
        var count = 0;
        foreach (var row in await db.RowsAsync("SELECT content FROM messages WHERE role = 'assistant'", ct))
        {
            var text = JsonNode.Parse((string)row[0]!)?[0]?["text"]?["value"]?.GetValue<string>() ?? "";
            if (text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == messagesPerUser)
                count++;
        }
        return count;
    }
}
