using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 3. Users who each send a burst of messages within a few hundred milliseconds, each message its own
/// independent request (as chat-channel webhooks arrive). Threadline: each message is one
/// <c>POST /v1/threads/runs</c> with the user's <c>external_id</c> and <c>debounce_ms</c>, so the burst
/// folds into one run. Beside it, the hosted API's way: a server with <c>Concurrency=reject</c>, clients
/// that add the message and create a run, and retry every second on a 400.
/// Targets: 0 errors, exactly one run per user, debounce lateness p99 ≤ 10 ms.
/// </summary>
internal static class BurstsScenario
{
    private const string Active = "('queued', 'in_progress', 'requires_action', 'cancelling')";

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var sends = o.Users * o.MessagesPerUser;
        result.Setup = $"{o.Users:N0} users arrive evenly over {o.ArrivalWindowMs / 1000.0:0.#} s; each sends {o.MessagesPerUser} messages " +
            $"{o.BurstSpreadMs / Math.Max(1, o.MessagesPerUser - 1)} ms apart (within {o.BurstSpreadMs} ms), every message from an independent request that does not wait for the others. " +
            $"Assistant model `{o.BurstModel}`. Threadline (defaults): each message is `POST /v1/threads/runs` with `thread.external_id` = the user, the message, and `debounce_ms: {o.DebounceMs}`. " +
            $"Hosted-API emulation (`--Threadline:Concurrency=reject`): each message finds or creates the user's thread (`POST /v1/threads` with `external_id`), then " +
            $"`POST .../messages` and `POST .../runs`, each retried every {o.RetryMs} ms while it answers 400 (a run is active). " +
            "Time to the last answer = from the first message sent to the end of the last run; answer time per user = from the user's first message to the end of their last run.";

        var (schedule, firstSendMs) = Schedule(o);

        // :: Threadline: debounced runs
        {
            var dir = ctx.NewDataDirectory("bursts");
            await using var server = await ctx.StartThreadlineAsync(dir, [], ct);
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            using var root = Http.Client(server.BaseUrl);
            var assistant = await BenchContext.CreateAssistantAsync(api, o.BurstModel, ct);
            var before = await PrometheusScrape.ReadAsync(root, server.BaseUrl, ct);

            var latency = new LatencyRecorder();
            var runsByUser = new ConcurrentDictionary<int, ConcurrentDictionary<string, bool>>();
            var statuses = new ConcurrentDictionary<int, int>();
            long joined = 0;
            string? firstError = null;
            var (startUnixMs, elapsed) = await SendOnScheduleAsync(schedule, async (user, k) =>
            {
                var body = DebouncedMessage(assistant, user, k, o.DebounceMs);
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await api.PostAsync("threads/runs", Http.Json(body), ct);
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
            ctx.Log($"threadline: {sends:N0} messages sent in {elapsed:0.0} s, {latency.Errors} errors; waiting for the runs");

            await using var db = new ServerDatabase(dir);
            var pending = await WaitForRunsAsync(db, ct);
            var sample = server.Sample();
            var runsPerUser = await RunsPerUserAsync(db, ct);
            const string latenessMetric = "threadline_run_debounce_lateness_milliseconds";
            var after = await PrometheusScrape.ReadAtLeastAsync(root, server.BaseUrl, latenessMetric,
                before.Histogram(latenessMetric).Count + runsPerUser.Values.Sum(), TimeSpan.FromSeconds(5), ct);
            var lateness = after.Histogram(latenessMetric).Minus(before.Histogram(latenessMetric));

            var exactlyOne = runsPerUser.Values.Count(n => n == 1);
            var fromResponses = Enumerable.Range(0, o.Users).Count(u => runsByUser.TryGetValue(u, out var ids) && ids.Count == 1);
            var answers = await AnswerTimesAsync(db, startUnixMs, firstSendMs, ct);
            var sawAll = await RepliesSeeingAllAsync(db, o.MessagesPerUser, ct);
            var totalRuns = runsPerUser.Values.Sum();

            var send = result.Row(ResultRow.From("Threadline (debounce)", "POST threads/runs per message", latency.Stats(), latency.Errors, latency.Count / elapsed, sample));
            result.Row(ResultRow.From("Threadline (debounce)", "answer time per user", answers.PerUser, o.Users - answers.PerUser.Count, null) with { Source = "SQLite" });
            var late = result.Row(ResultRow.FromBuckets("Threadline (debounce)", "debounce lateness (/metrics)", lateness, sample));
            result.Chart("Threadline: POST threads/runs", latency.Stats().Cdf());
            result.Chart("Threadline: debounce lateness (/metrics)", lateness.Cdf(), fromBuckets: true);

            var errors = latency.Errors;
            result.Detail("Threadline: HTTP statuses", string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}")));
            result.Detail("Threadline: runs in all / users with exactly one run (SQLite)", $"{totalRuns} / {exactlyOne} of {o.Users}");
            result.Detail("Threadline: users whose responses all named one run id", $"{fromResponses} of {o.Users}");
            result.Detail("Threadline: calls that joined an existing run", joined);
            result.Detail("Threadline: replies that answered all of the user's messages", $"{sawAll} of {totalRuns}");
            result.Detail("Threadline: runs still not ended at the deadline", pending);
            result.Detail("Threadline: time to the last answer (s)", answers.LastAnswerSeconds);
            result.Detail("Threadline: debounce lateness mean (ms) / n", $"{Format.Ms(lateness.Mean)} / {lateness.Count}");
            if (firstError is not null)
                result.Detail("Threadline: first error", firstError);

            result.Target("0 errors", "0", $"{errors} of {sends}", errors == 0);
            result.Target("exactly one run per user", $"{o.Users} of {o.Users}", $"{exactlyOne} of {o.Users} ({totalRuns} runs)", exactlyOne == o.Users && runsPerUser.Count == o.Users);
            result.Target("debounce lateness p99 ≤ 10 ms in bursts", "≤ 10 ms", $"{Format.Ms(late.P99Ms)} ms (p50 {Format.Ms(late.P50Ms)} ms, n = {late.Count})", late.P99Ms is { } p ? p <= 10 : null);
            result.Detail("Threadline: messages per second sent", sends / elapsed);
            result.Warnings(server);
            await server.StopAsync();
            ctx.Discard(dir);
        }

        // :: Hosted-API emulation: reject and retry
        {
            var dir = ctx.NewDataDirectory("bursts-reject");
            await using var server = await ctx.StartThreadlineAsync(dir, ["--Threadline:Concurrency=reject"], ct);
            using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
            var assistant = await BenchContext.CreateAssistantAsync(api, o.BurstModel, ct);
            var perMessage = new LatencyRecorder();
            long rejections = 0, failures = 0, requests = 0;
            var maxAttempts = int.MaxValue;
            // Clients give up at the deadline; what was not delivered by then counts as not delivered.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(o.RejectDeadlineSeconds));
            var giveUp = deadline.Token;
            var (startUnixMs, elapsed) = await SendOnScheduleAsync(schedule, async (user, k) =>
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    var thread = await RetryAsync(() => api.PostAsync("threads", Http.Json(new JsonObject { ["external_id"] = $"user-{user}" }), giveUp));
                    var threadId = (string)thread!["id"]!;
                    await RetryAsync(() => api.PostAsync($"threads/{threadId}/messages", Http.Json(new JsonObject { ["role"] = "user", ["content"] = $"user {user} message {k + 1}" }), giveUp));
                    await RetryAsync(() => api.PostAsync($"threads/{threadId}/runs", Http.Json(new JsonObject { ["assistant_id"] = assistant }), giveUp));
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
                for (var attempt = 1; ; attempt++)
                {
                    Interlocked.Increment(ref requests);
                    using var response = await send();
                    var text = await response.Content.ReadAsStringAsync(giveUp);
                    if (response.IsSuccessStatusCode)
                        return JsonNode.Parse(text);
                    if (response.StatusCode != HttpStatusCode.BadRequest || attempt >= maxAttempts)
                        throw new InvalidOperationException($"{(int)response.StatusCode}: {Http.Truncate(text)}");
                    Interlocked.Increment(ref rejections);
                    await Task.Delay(o.RetryMs, giveUp);
                }
            }

            ctx.Log($"reject mode: {perMessage.Count:N0} of {sends:N0} messages delivered in {elapsed:0.0} s with {rejections} rejections; waiting for the runs");
            await using var db = new ServerDatabase(dir);
            var pending = await WaitForRunsAsync(db, ct);
            var sample = server.Sample();
            var runsPerUser = await RunsPerUserAsync(db, ct);
            var answers = await AnswerTimesAsync(db, startUnixMs, firstSendMs, ct);
            var totalRuns = runsPerUser.Values.Sum();
            var exactlyOne = runsPerUser.Values.Count(n => n == 1);

            result.Row(ResultRow.From("hosted emulation (reject + retry 1 s)", "message delivered (with retries)", perMessage.Stats(), failures, perMessage.Count / elapsed, sample));
            result.Row(ResultRow.From("hosted emulation (reject + retry 1 s)", "answer time per user", answers.PerUser, o.Users - answers.PerUser.Count, null) with { Source = "SQLite" });
            result.Chart("reject + retry: message delivered", perMessage.Stats().Cdf());
            result.Detail("reject mode: 400 answers (rejections) / requests in all", $"{rejections} / {requests}");
            result.Detail($"reject mode: messages not delivered when the clients gave up ({o.RejectDeadlineSeconds:0} s after the first message)", failures);
            result.Detail("reject mode: runs in all / users with exactly one run", $"{totalRuns} / {exactlyOne} of {o.Users}");
            result.Detail("reject mode: runs still not ended at the deadline", pending);
            result.Detail("reject mode: time to the last answer (s)", answers.LastAnswerSeconds);
            result.Warnings(server, "reject mode");
            await server.StopAsync();
            ctx.Discard(dir);
        }
    }

    /// <summary>When each user's messages are sent (ms from the start, in order), and each user's first.</summary>
    internal static (List<(double AtMs, int User, int Index)> Sends, double[] FirstSendMs) Schedule(BenchOptions o)
    {
        var sends = Enumerable.Range(0, o.Users).SelectMany(u => Enumerable.Range(0, o.MessagesPerUser).Select(k =>
            (AtMs: ((double)u * o.ArrivalWindowMs / Math.Max(1, o.Users)) + (o.MessagesPerUser <= 1 ? 0 : (double)k * o.BurstSpreadMs / (o.MessagesPerUser - 1)), User: u, Index: k)))
            .OrderBy(s => s.AtMs).ToList();
        return (sends, Enumerable.Range(0, o.Users).Select(u => (double)u * o.ArrivalWindowMs / Math.Max(1, o.Users)).ToArray());
    }

    /// <summary>Message <paramref name="k"/> of a user's burst: <c>POST /v1/threads/runs</c> on the user's thread (by external id), debounced.</summary>
    internal static JsonObject DebouncedMessage(string assistant, int user, int k, int debounceMs) => new()
    {
        ["assistant_id"] = assistant,
        ["thread"] = new JsonObject
        {
            ["external_id"] = $"user-{user}",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"user {user} message {k + 1}" }),
        },
        ["debounce_ms"] = debounceMs,
    };

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

    internal static async Task<Dictionary<string, int>> RunsPerUserAsync(IStoreReader db, CancellationToken ct) =>
        (await db.RowsAsync("SELECT t.external_id, count(r.id) FROM threads t LEFT JOIN runs r ON r.thread_id = t.id GROUP BY t.id, t.external_id", ct))
            .ToDictionary(r => (string?)r[0] ?? "", r => Convert.ToInt32(r[1]));

    internal sealed record Answers(LatencyStats PerUser, double LastAnswerSeconds);

    /// <summary>Per user: from the first message sent to the end of the user's last run.</summary>
    internal static async Task<Answers> AnswerTimesAsync(IStoreReader db, long startUnixMs, double[] firstSendMs, CancellationToken ct)
    {
        var rows = await db.RowsAsync("SELECT t.external_id, MAX(r.ended_at_ms) FROM threads t JOIN runs r ON r.thread_id = t.id GROUP BY t.id, t.external_id", ct);
        var perUser = new List<double>();
        long last = startUnixMs;
        foreach (var row in rows)
        {
            if (row[0] is not string external || row[1] is null || !int.TryParse(external.AsSpan("user-".Length), out var user))
                continue;
            var ended = Convert.ToInt64(row[1]);
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
