using System.Collections.Concurrent;
using System.Diagnostics;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// I3 and I5 across a crash: a server is SIGKILLed while runs execute, runs wait behind them and
/// clients keep sending messages. A server restarted on the same data directory has every message and
/// run that was acknowledged, takes over the orphaned runs once their leases lapse (a run that had
/// written output fails with <c>server_error</c>, one that had not is started again), drains every
/// queue, and leaves no thread stuck.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    private const int QueuedPerThread = 3;
    private const int Senders = 6;
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Writes its first chunk after 1.5 s: the test waits for that output, then kills.</summary>
    private const string TalkingModel = "echo:6000";

    /// <summary>Writes its first chunk after 1 s; made just before the kill, so it has written nothing. Started again, it takes 4 s.</summary>
    private const string QuietModel = "echo:4000";

    [Fact]
    public async Task After_a_kill_a_restarted_server_keeps_every_acknowledged_write_and_finishes_every_run()
    {
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        var options = new ThreadlineServerOptions
        {
            DataDirectory = dataDirectory,
            Arguments = new Dictionary<string, string> { ["Threadline:Queue:LeaseTimeout"] = "00:00:03" },
        };
        try
        {
            await RunAsync(options);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private async Task RunAsync(ThreadlineServerOptions options)
    {
        var acknowledged = new ConcurrentBag<(string Thread, string Message)>();
        var runs = new ConcurrentBag<(string Thread, string Run)>();
        var talking = new ConcurrentBag<(string Thread, string Run)>();
        var quiet = new ConcurrentBag<(string Thread, string Run)>();
        var threads = new string[Threads];
        string assistantId;

        var crashed = await ThreadlineServer.StartAsync(options);
        try
        {
            using var http = QueueApi.NewClient(crashed);
            assistantId = await QueueApi.CreateAssistantAsync(http);

            // :: Even threads: a run that has begun its reply, short runs queued behind it.
            await QueueApi.ForEachAsync(Enumerable.Range(0, Threads), Threads, async t =>
            {
                threads[t] = await QueueApi.CreateThreadAsync(http);
                var message = await QueueApi.AddMessageAsync(http, threads[t], $"thread {t} first");
                acknowledged.Add((threads[t], QueueApi.Id(message.AssertOk())));
                if (t % 2 == 0)
                {
                    var run = await StartRunsAsync(http, threads[t], assistantId, TalkingModel, runs);
                    talking.Add((threads[t], run));
                    await Polling.UntilAsync(async () => (await QueueApi.ListAllAsync(http, $"threads/{threads[t]}/messages?run_id={run}")).Count > 0,
                        TimeSpan.FromSeconds(10), $"run {run} to begin its reply");
                }
            });

            // :: Clients keep writing while the process dies; only 2xx answers count as acknowledged.
            using var stop = new CancellationTokenSource();
            var sent = 0;
            var senders = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
            {
                using var client = QueueApi.NewClient(crashed, TimeSpan.FromSeconds(10));
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var thread = threads[(s + n) % Threads];
                    ApiResponse response;
                    try
                    {
                        response = await QueueApi.AddMessageAsync(client, thread, $"sender {s} message {n}", stop.Token);
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                    {
                        return; // the server is gone: what was not acknowledged may or may not be there
                    }

                    acknowledged.Add((thread, QueueApi.Id(response.AssertOk())));
                    Interlocked.Increment(ref sent);
                }
            })).ToList();
            await Polling.UntilAsync(() => Task.FromResult(Volatile.Read(ref sent) >= 40), TimeSpan.FromSeconds(20), "40 messages acknowledged by the senders");

            // :: Odd threads: a run that has just started (no output yet), short runs queued behind it. Then the kill.
            await QueueApi.ForEachAsync(Enumerable.Range(0, Threads).Where(t => t % 2 == 1), Threads, async t =>
            {
                var run = await StartRunsAsync(http, threads[t], assistantId, QuietModel, runs);
                quiet.Add((threads[t], run));
            });
            crashed.Kill();
            await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));
            await stop.CancelAsync();

            // What the dead process left: one run in progress per thread, the others queued; which of
            // the runs in progress had begun a reply decides how it must be taken over. Read from the file:
            // no process serves it now, and a restarted one would soon change it (it takes the runs over).
            var rows = await ServerDatabase.ReadAsync(options.DataDirectory!, "SELECT thread_id, id, status FROM runs ORDER BY seq",
                r => (Thread: r.GetString(0), Run: r.GetString(1), Status: r.GetString(2)));
            Assert.True(rows.Count(r => r.Status == "in_progress") == Threads && rows.Count(r => r.Status == "queued") == Threads * QueuedPerThread,
                "at the kill, each thread should have had one run in progress and the others queued:\n" + string.Join("\n", rows));
            foreach (var (thread, run) in quiet.ToList())
            {
                if (await ServerDatabase.ScalarAsync(options.DataDirectory!, "SELECT count(*) FROM messages WHERE run_id = @id", run) > 0)
                {
                    output.WriteLine($"run {run} ({QuietModel}) had already begun its reply at the kill");
                    talking.Add((thread, run));
                }
            }

            quiet = new ConcurrentBag<(string Thread, string Run)>(quiet.Except(talking));
            Assert.True(!quiet.IsEmpty, "every run in progress had begun its reply at the kill; the take-over of a run without output went untested");
            output.WriteLine($"killed with {Threads} runs in progress ({talking.Count} had begun a reply), {Threads * QueuedPerThread} queued; " +
                             $"{acknowledged.Count} messages acknowledged");
        }
        finally
        {
            await crashed.DisposeAsync();
        }

        // :: After the restart.
        var clock = Stopwatch.StartNew();
        await using var restarted = await ThreadlineServer.StartAsync(options);
        using var api = QueueApi.NewClient(restarted);

        // Every acknowledged message and run is there (I3).
        foreach (var group in acknowledged.GroupBy(a => a.Thread))
        {
            var present = (await QueueApi.ListAllAsync(api, $"threads/{group.Key}/messages")).Select(QueueApi.Id).ToHashSet();
            var missing = group.Select(a => a.Message).Where(id => !present.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged messages of {group.Key} are gone after the crash: {string.Join(", ", missing)}");
        }

        foreach (var thread in threads)
        {
            var present = (await QueueApi.ListAllAsync(api, $"threads/{thread}/runs")).Select(QueueApi.Id).ToHashSet();
            Assert.True(present.SetEquals(runs.Where(r => r.Thread == thread).Select(r => r.Run)), $"the runs of {thread} after the crash: {string.Join(", ", present)}");
        }

        // Every run ends within the lease timeout, the quiet runs' second execution and a margin (I5).
        var deadline = LeaseTimeout + TimeSpan.FromSeconds(4) + TimeSpan.FromSeconds(10);
        var ended = new Dictionary<string, System.Text.Json.Nodes.JsonObject>();
        foreach (var (thread, run) in runs)
        {
            var remaining = deadline - clock.Elapsed;
            ended[run] = await QueueApi.WaitForTerminalAsync(api, thread, run, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        output.WriteLine($"every run ended {clock.ElapsedMilliseconds} ms after the restart began (lease timeout {LeaseTimeout.TotalSeconds} s)");
        var after = (await RunTable.ReadAsync(api)).ToDictionary(r => r.Id);

        // A run that had begun its reply fails with server_error; its partial reply is left incomplete, not in progress.
        foreach (var (thread, run) in talking)
        {
            var state = ended[run];
            Assert.True(QueueApi.Status(state) == "failed" && (string?)state["last_error"]?["code"] == "server_error",
                $"run {run} had written output before the crash; expected failed with server_error: {state.ToJsonString()}");
            var replies = await QueueApi.ListAllAsync(api, $"threads/{thread}/messages?run_id={run}");
            Assert.NotEmpty(replies);
            Assert.All(replies, m => Assert.Equal("incomplete", QueueApi.Status(m)));
        }

        // A run that had written nothing is started again and completes, with one reply.
        foreach (var (thread, run) in quiet)
        {
            var state = ended[run];
            Assert.True(QueueApi.Status(state) == "completed", $"run {run} had written nothing before the crash; expected it started again and completed: {state.ToJsonString()}");
            Assert.Equal(2, after[run].Attempt);
            var reply = Assert.Single(await QueueApi.ListAllAsync(api, $"threads/{thread}/messages?run_id={run}"));
            Assert.Equal("completed", QueueApi.Status(reply));
        }

        // The queues behind them drained, in order, one run at a time.
        var queued = runs.Select(r => r.Run).Except(talking.Select(r => r.Run)).Except(quiet.Select(r => r.Run)).ToList();
        Assert.All(queued, run => Assert.Equal("completed", QueueApi.Status(ended[run])));
        foreach (var thread in after.Values.GroupBy(r => r.ThreadId))
        {
            RunTable.AssertSerialInQueueOrder(thread);
        }

        // :: No thread is stuck: a new run on each completes, and its reply is the thread's last message.
        foreach (var thread in threads)
        {
            var run = QueueApi.Id(await QueueApi.PostOkAsync(api, $"threads/{thread}/runs", QueueApi.RunBody(assistantId)));
            Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(api, thread, run, TimeSpan.FromSeconds(10))));
            var last = (await QueueApi.ListAllAsync(api, $"threads/{thread}/messages"))[^1];
            Assert.Equal("assistant", QueueApi.Role(last));
            Assert.Equal(run, (string?)last["run_id"]);
        }
    }

    /// <summary>Makes a run of <paramref name="model"/> and short runs queued behind it; returns the first once it is in progress.</summary>
    private static async Task<string> StartRunsAsync(HttpClient http, string thread, string assistantId, string model, ConcurrentBag<(string, string)> runs)
    {
        var first = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistantId, model: model)));
        runs.Add((thread, first));
        for (var q = 0; q < QueuedPerThread; q++)
        {
            var queued = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistantId, model: "echo:50"));
            Assert.Equal("queued", QueueApi.Status(queued));
            runs.Add((thread, QueueApi.Id(queued)));
        }

        await QueueApi.WaitForStatusAsync(http, thread, first, "in_progress", TimeSpan.FromSeconds(10));
        return first;
    }
}
