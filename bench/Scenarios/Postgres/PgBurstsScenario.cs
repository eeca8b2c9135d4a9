using System.Diagnostics;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>
/// pg-bursts: the bursts scenario's debounced messages (every message its own <c>POST /v1/threads/runs</c>)
/// on SQLite (1 node), PostgreSQL (1 node) and PostgreSQL (3 nodes, the messages dealt to them round-robin,
/// so that one user's burst reaches several nodes and must still fold into one run).
/// </summary>
internal static class PgBurstsScenario
{
    private const string LatenessMetric = "threadline_run_debounce_lateness_milliseconds";

    private sealed record Measured(LatencyRecorder Sends, double Seconds, BurstsScenario.Answers Answers, BucketHistogram Lateness,
        int ExactlyOne, int Runs, long Pending, CpuReading Cpu, ProcessSample Largest);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var sends = o.Users * o.MessagesPerUser;
        result.Setup = $"On each system, the bursts scenario's Threadline half: {o.Users:N0} users over {o.ArrivalWindowMs / 1000.0:0.#} s, {o.MessagesPerUser} messages each " +
            $"within {o.BurstSpreadMs} ms, each message `POST /v1/threads/runs` with the user's `external_id` and `debounce_ms: {o.DebounceMs}` (model `{o.BurstModel}`). " +
            "With 3 nodes message j of the schedule goes to node j mod 3, so a user's messages reach different nodes. " +
            "CPU per message = from the first send until every run ended, each node's and PostgreSQL's.";
        var (schedule, firstSendMs) = BurstsScenario.Schedule(o);

        var measured = await StorageComparison.EachAsync(ctx, result, Topology.Compared, async (topology, store) =>
        {
            await using var deployment = await Deployment.StartAsync(ctx, topology, store, [], ct);
            using var clients = new NodeClients(deployment);
            var session = await ApiSurface.Assistants.OpenAsync(clients.For(0), o.BurstModel, o.Users, ct);
            var latency = new LatencyRecorder();
            var before = deployment.ReadCpu();
            var (startUnixMs, elapsed) = await BurstsScenario.SendOnScheduleAsync(schedule, async (user, k) =>
            {
                var (path, body) = session.DebouncedMessage(user, k, o.DebounceMs);
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await clients.For((user * o.MessagesPerUser) + k).PostAsync(path, Http.Json(body), ct);
                    if (response.IsSuccessStatusCode)
                        latency.Add(LatencyRecorder.Ms(t0));
                    else
                        latency.Error();
                }
                catch (HttpRequestException)
                {
                    latency.Error();
                }
            }, ct);
            await using var db = store.OpenReader();
            var pending = await BurstsScenario.WaitForRunsAsync(db, ct);
            var cpu = deployment.ReadCpu().Minus(before);
            var runsPerUser = await BurstsScenario.RunsPerUserAsync(db, session, ct);
            var lateness = await deployment.HistogramAsync(LatenessMetric, ct, atLeast: runsPerUser.Values.Sum());
            var answers = await BurstsScenario.AnswerTimesAsync(db, session, startUnixMs, firstSendMs, ct);
            ctx.Log($"{topology.Label}: {sends:N0} messages in {elapsed:0.0} s, {latency.Errors} errors, {runsPerUser.Values.Sum()} runs");
            StorageComparison.Warnings(result, deployment);
            return new Measured(latency, elapsed, answers, lateness, runsPerUser.Values.Count(n => n == 1), runsPerUser.Values.Sum(), pending, cpu, deployment.LargestNode());
        }, ct);

        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m =>
            ResultRow.From(m.Key.Label, "POST threads/runs per message", m.Value.Sends.Stats(), m.Value.Sends.Errors, m.Value.Sends.Count / m.Value.Seconds, m.Value.Largest)));
        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m =>
            ResultRow.From(m.Key.Label, "answer time per user", m.Value.Answers.PerUser, o.Users - m.Value.Answers.PerUser.Count, null) with { Source = "store" }));
        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m =>
            ResultRow.FromBuckets(m.Key.Label, "debounce lateness (/metrics)", m.Value.Lateness, m.Value.Largest)));
        foreach (var (topology, m) in measured)
        {
            result.Chart($"{topology.Label}: debounce lateness (/metrics)", m.Lateness.Cdf(), fromBuckets: true);
            result.Detail($"{topology.Label}: runs in all / users with exactly one run / runs not ended at the deadline", $"{m.Runs} / {m.ExactlyOne} of {o.Users} / {m.Pending}");
            result.Target($"{topology.Label}: 0 errors, exactly one run per user", $"0 of {sends}; {o.Users} of {o.Users}",
                $"{m.Sends.Errors} of {sends}; {m.ExactlyOne} of {o.Users}", m.Sends.Errors == 0 && m.ExactlyOne == o.Users);
        }
        StorageComparison.CpuDetails(result, measured, "message", m => m.Cpu, _ => sends);
    }
}
