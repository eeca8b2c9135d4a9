using System.Collections.Concurrent;
using System.Diagnostics;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// PostgreSQL goes down under load (a crash, a clean shutdown, or a hang: its processes stopped where they
/// are, as when its host is gone) and comes back, and two nodes ride it out without being restarted:
/// many independent clients (each its own thread: two messages and two runs, the second streamed by half
/// of them, then polling the second run to its end) keep writing through both nodes with
/// Idempotency-Keys, retrying on 503s and refused connections. During the outage every request answers
/// 503 <c>database_unavailable</c> in the error envelope, quickly, a stream it cuts ends with an
/// <c>error</c> event saying so, and <c>/readyz</c> says 503; afterwards both nodes serve again, the
/// runs the outage interrupted end (taken over after their lease, I5), the queues drain, nothing
/// acknowledged is lost (I3) and no run has two replies. An idle node costs little while the database
/// is away.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    private const int Clients = 12;
    private const string Model = "echo:300";

    /// <summary>What a request may take at most, outage or not: a client must not hang on a database that is away.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(7);

    /// <summary>
    /// What a run's stream may take at most: it follows its run, whose end cannot be written to a database that
    /// hangs (one store call, bounded by the 5 s command timeout), then reads the run once more before it says
    /// so (another).
    /// </summary>
    private static readonly TimeSpan StreamBound = TimeSpan.FromSeconds(15);

    /// <summary>Long enough for leases to lapse and the listener's reconnection back-off to reach its longest.</summary>
    private static readonly TimeSpan OutageAtLeast = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(200);

    [PostgresFact]
    public Task Two_nodes_ride_out_a_crash_of_postgres_under_load() => RunAsync("immediate");

    [PostgresFact]
    public Task Two_nodes_ride_out_a_clean_shutdown_of_postgres_under_load() => RunAsync("fast");

    [PostgresFact]
    public Task Two_nodes_ride_out_a_hanging_postgres_under_load() => RunAsync(Freeze);

    /// <summary>Not a stop: the server's processes are stopped where they are, and answer nothing.</summary>
    private const string Freeze = "freeze";

    private static Task GoAwayAsync(PostgresCluster cluster, string mode) => mode == Freeze ? cluster.FreezeAsync() : cluster.PauseAsync(mode);

    private static Task ComeBackAsync(PostgresCluster cluster, string mode) => mode == Freeze ? cluster.ThawAsync() : cluster.RestartAsync();

    private async Task RunAsync(string mode)
    {
        // A short lease, so that runs interrupted by the outage are taken over soon after it; a short
        // in-flight lock, so that a key whose request the outage cut off frees soon.
        await using var group = await NodesOnOwnCluster.StartAsync(2, new Dictionary<string, string>
        {
            ["Threadline:Queue:LeaseTimeout"] = "00:00:03",
            ["Threadline:Idempotency:InFlightLock"] = "00:00:03",
        });
        var nodes = group.Nodes;
        var clock = Stopwatch.StartNew();
        using var setup = QueueApi.NewClient(nodes[0]);
        var assistantId = await QueueApi.CreateAssistantAsync(setup, Model);
        var threads = new string[Clients];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Clients), 4, async i => threads[i] = await QueueApi.CreateThreadAsync(setup));

        // :: The load, through both nodes.
        var attempts = new ConcurrentQueue<Attempt>();
        var messages = new ConcurrentBag<(string Thread, string Message)>();
        var runs = new ConcurrentBag<(string Thread, string Run)>();
        var acks = new ConcurrentQueue<(int Client, long AtMs)>();
        using var stop = new CancellationTokenSource();
        var https = Enumerable.Range(0, Clients).Select(i => QueueApi.NewClient(nodes[i % 2], TimeSpan.FromSeconds(30))).ToArray();
        var load = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            var client = new OutageClient(i % 2, https[i], clock, attempts);
            var thread = threads[i];
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                string? last = null;
                for (var k = 0; k < 2; k++)
                {
                    if (await client.PostAsync($"threads/{thread}/messages", QueueApi.UserMessage($"client {i} message {n}.{k}"), stop.Token) is { } message)
                        messages.Add((thread, QueueApi.Id(message)));
                    // Half the clients stream their second run: a stream open when the database goes must end too.
                    var path = $"threads/{thread}/runs";
                    var made = k == 1 && i % 2 == 1
                        ? client.PostStreamAsync(path, QueueApi.RunBody(assistantId), "thread.run.created", stop.Token)
                        : client.PostAsync(path, QueueApi.RunBody(assistantId), stop.Token);
                    if (await made is { } run)
                    {
                        runs.Add((thread, last = QueueApi.Id(run)));
                        acks.Enqueue((i, clock.ElapsedMilliseconds));
                    }
                }
                if (last is not null)
                    await client.PollUntilTerminalAsync(thread, last, stop.Token);
            }
        })).ToList();

        // :: Each node's /readyz, probed throughout.
        var probes = new ConcurrentQueue<Attempt>();
        using var probesStop = new CancellationTokenSource();
        var probing = nodes.Select((node, n) => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
            var probe = new OutageClient(n, http, clock, probes);
            while (!probesStop.IsCancellationRequested)
            {
                await probe.ProbeAsync("readyz");
                await Task.Delay(ProbeInterval); // the probe's period, as a load balancer's
            }
        })).ToList();

        bool Probed(int node, long fromMs, int status, long untilMs = long.MaxValue) =>
            probes.Any(p => p.Node == node && p.StartedAtMs >= fromMs && p.EndedAtMs <= untilMs && p.Status == status);

        // :: Warm up, then PostgreSQL goes away for a few seconds, and comes back.
        await Eventually.TrueAsync(() => runs.Count >= 2 * Clients, $"{2 * Clients} runs acknowledged before the outage", TimeSpan.FromSeconds(60));
        var stoppingAtMs = clock.ElapsedMilliseconds;
        await GoAwayAsync(group.Cluster, mode);
        var downAtMs = clock.ElapsedMilliseconds;
        var acknowledgedBefore = (Messages: messages.Count, Runs: runs.Count);
        await Task.WhenAll(
            Task.Delay(OutageAtLeast), // the outage's length, not a wait for something to happen
            Eventually.TrueAsync(() => Probed(0, downAtMs, 503) && Probed(1, downAtMs, 503)
                                       && attempts.Count(a => a.StartedAtMs >= downAtMs && a.Status == 503) >= Clients,
                "/readyz 503 on both nodes and a 503 per client", TimeSpan.FromSeconds(30)));
        var restartingAtMs = clock.ElapsedMilliseconds;
        await ComeBackAsync(group.Cluster, mode);
        var upAtMs = clock.ElapsedMilliseconds;

        // :: Recovery: both nodes ready, every client acknowledged again.
        await Eventually.TrueAsync(() => Probed(0, upAtMs, 200) && Probed(1, upAtMs, 200)
                                         && Enumerable.Range(0, Clients).All(c => acks.Any(a => a.Client == c && a.AtMs >= upAtMs)),
            "both nodes ready and every client's writes acknowledged again", TimeSpan.FromSeconds(60));
        var firstAckAfter = Enumerable.Range(0, Clients).Select(c => acks.Where(a => a.Client == c && a.AtMs >= upAtMs).Min(a => a.AtMs) - upAtMs).ToList();
        var readyAfter = Enumerable.Range(0, 2).Select(n => probes.Where(p => p.Node == n && p.StartedAtMs >= upAtMs && p.Status == 200).Min(p => p.EndedAtMs) - upAtMs).ToList();
        await stop.CancelAsync();
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var http in https)
            http.Dispose();

        // :: During the outage (PostgreSQL down, start to end): 503 database_unavailable in the envelope, every time.
        var during = attempts.Where(a => a.StartedAtMs >= downAtMs && a.EndedAtMs <= restartingAtMs).ToList();
        var notUnavailable = during.Where(a => a.Status != 503 || a.Code != "database_unavailable" || !a.Enveloped).ToList();
        Assert.True(notUnavailable.Count == 0, "during the outage, answers other than a 503 database_unavailable in the envelope (with Retry-After):\n"
                                               + string.Join("\n", notUnavailable.Take(20)) + Logs(nodes));
        var probesDuring = probes.Where(p => p.StartedAtMs >= downAtMs && p.EndedAtMs <= restartingAtMs).ToList();
        Assert.All(probesDuring, p => Assert.Equal(503, p.Status));

        // :: No request, outage or not, took longer than the bound.
        var everything = attempts.Concat(probes).ToList();
        var slow = everything.Where(a => a.LatencyMs >= (a.Request.EndsWith(OutageClient.Streamed, StringComparison.Ordinal) ? StreamBound : AnswerBound).TotalMilliseconds).ToList();
        Assert.True(slow.Count == 0, $"requests that took {AnswerBound} or more (streams {StreamBound}):\n{string.Join("\n", slow.Take(20))}{Logs(nodes)}");
        var max503 = everything.Where(a => a.Status == 503).Max(a => a.LatencyMs);

        // :: Every run acknowledged ends; those the outage interrupted were taken over (started again, or failed if they had spoken).
        using var reader = QueueApi.NewClient(nodes[1]);
        var rows = await RunTable.WaitUntilAllTerminalAsync(reader, runs.Count, TimeSpan.FromSeconds(60));
        var drainedAtMs = clock.ElapsedMilliseconds;
        var byId = rows.ToDictionary(r => r.Id);
        Assert.All(runs, r => Assert.True(byId.ContainsKey(r.Run), $"acknowledged run {r.Run} is missing"));
        await ThreadReplies.AssertFailedOnlyWhenTakenOverAsync(reader, rows);

        // :: Nothing acknowledged is lost; one reply per completed run, never two; one run at a time per thread (I1, I2).
        var stored = (await ThreadReplies.AssertOnePerRunAsync(reader, threads, [.. rows])).Select(QueueApi.Id).ToHashSet();
        var lost = messages.Where(m => !stored.Contains(m.Message)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages are not in their thread: {string.Join(", ", lost.Take(10))}");
        Assert.All(nodes, n => Assert.False(n.HasExited, $"{n} exited"));

        output.WriteLine($"PostgreSQL {(mode == Freeze ? "frozen" : $"stopped with -m {mode}")} at {stoppingAtMs} ms (down at {downAtMs} ms), started again at {restartingAtMs} ms (up at {upAtMs} ms): " +
                         $"down {restartingAtMs - downAtMs} ms");
        output.WriteLine($"{attempts.Count} requests through {Clients} clients ({attempts.Count(a => a.Succeeded)} 2xx, {attempts.Count(a => a.Status == 503)} 503, " +
                         $"{attempts.Count(a => a.Status == 409)} 409, {attempts.Count(a => a.Status == 0)} without an answer); {during.Count} wholly during the outage, all 503; " +
                         $"{probes.Count} /readyz probes ({probesDuring.Count} during the outage, all 503)");
        var streams = attempts.Where(a => a.Request.EndsWith(OutageClient.Streamed, StringComparison.Ordinal) && a.Succeeded).ToList();
        var lateUnavailable = attempts.Where(a => a.StartedAtMs >= upAtMs && a.Status is 503 or 0).ToList();
        var cut = streams.Where(a => a.Code is not null).ToList();
        Assert.True(cut.All(a => a.Code == "database_unavailable"), "streams that ended with neither done nor an error event saying database_unavailable:\n" + string.Join("\n", cut));
        output.WriteLine($"{streams.Count} run streams, {cut.Count} ended by the outage with an error event, longest {streams.Max(a => a.LatencyMs)} ms; " +
                         $"after PostgreSQL was back, {lateUnavailable.Count} 503s or failed connections" +
                         (lateUnavailable.Count == 0 ? "" : $", the last {lateUnavailable.Max(a => a.StartedAtMs) - upAtMs} ms after"));
        output.WriteLine($"latency: max 503 {max503} ms, max of any request {everything.Max(a => a.LatencyMs)} ms (bound {AnswerBound.TotalMilliseconds} ms, streams {StreamBound.TotalMilliseconds} ms); the slowest:\n  "
                         + string.Join("\n  ", everything.OrderByDescending(a => a.LatencyMs).Take(3)));
        output.WriteLine($"recovery after PostgreSQL was back: /readyz 200 after {string.Join(" and ", readyAfter)} ms; each client's first acknowledged run after " +
                         $"min {firstAckAfter.Min()} / max {firstAckAfter.Max()} ms; every run terminal {drainedAtMs - upAtMs} ms after");
        output.WriteLine($"acknowledged: {messages.Count} messages, {runs.Count} runs ({acknowledgedBefore.Messages} and {acknowledgedBefore.Runs} before the outage); " +
                         $"runs ended: {rows.Count} ({string.Join(", ", rows.GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}"))}), " +
                         $"{rows.Count(r => r.Attempt > 1)} started more than once; {rows.Count - runs.Count} made but never acknowledged");

        // :: An idle node while the database is away: its loops back off instead of spinning.
        var cpuBefore = nodes.Select(n => ProcessCpu.Used(n.ProcessId)).ToList();
        var idleClock = Stopwatch.StartNew();
        await GoAwayAsync(group.Cluster, mode);
        var awayAtMs = clock.ElapsedMilliseconds;
        await Eventually.TrueAsync(() => Probed(0, awayAtMs, 503) && Probed(1, awayAtMs, 503), "/readyz 503 again", TimeSpan.FromSeconds(30));
        await Task.Delay(OutageAtLeast); // a measuring window, not a wait for an event
        var cpu = nodes.Select((n, i) => (ProcessCpu.Used(n.ProcessId) - cpuBefore[i]).TotalMilliseconds * 100 / idleClock.Elapsed.TotalMilliseconds).ToList();
        await ComeBackAsync(group.Cluster, mode);
        var backAtMs = clock.ElapsedMilliseconds;
        await Eventually.TrueAsync(() => Probed(0, backAtMs, 200) && Probed(1, backAtMs, 200), "both nodes ready after the second outage", TimeSpan.FromSeconds(30));
        await probesStop.CancelAsync();
        await Task.WhenAll(probing);
        output.WriteLine($"idle during a second outage of {idleClock.ElapsedMilliseconds} ms: CPU {string.Join(" and ", cpu.Select(c => $"{c:F1} %"))} of one core");
        Assert.All(cpu, c => Assert.True(c < 20, $"an idle node used {c:F1} % of a core while the database was away{Logs(nodes)}"));
    }

    private static string Logs(IReadOnlyList<ThreadlineServer> nodes) =>
        string.Concat(nodes.Select((n, i) => $"\n--- node {i} ---\n{n.FormatLog(60)}"));
}
