using System.Diagnostics;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// I5 across nodes: one of two nodes on one PostgreSQL database is SIGKILLed while it executes runs and
/// the other executes its own. Within the lease timeout the survivor takes the dead node's runs over: a
/// run that had begun its reply fails with <c>server_error</c>, one that had not is started again and
/// completes; the runs queued behind them run next; the survivor's own runs are untouched; no run has
/// two replies.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class NodeKillTests(ITestOutputHelper output)
{
    private const int ThreadsPerKind = 3;
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>What a take-over may take beyond the lease timeout: the survivor's pass and this test's polling.</summary>
    private static readonly TimeSpan TakeOverSlack = TimeSpan.FromSeconds(1.5);

    /// <summary>Writes its first chunk after 1.5 s: the test waits for that output, then kills.</summary>
    private const string TalkingModel = "echo:6000";

    /// <summary>Writes its first chunk after 1 s; made just before the kill, so it has written nothing.</summary>
    private const string QuietModel = "echo:4000";

    private const string QueuedModel = "echo:200";

    [PostgresFact]
    public async Task A_killed_nodes_runs_are_taken_over_by_the_other_node_within_the_lease_timeout()
    {
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        try
        {
            var options = new ThreadlineServerOptions
            {
                DataDirectory = dataDirectory,
                Arguments = new Dictionary<string, string> { ["Threadline:Queue:LeaseTimeout"] = "00:00:02" },
            };
            await using var victim = await ThreadlineServer.StartAsync(options);
            await using var survivor = await ThreadlineServer.StartAsync(options);
            await RunAsync(victim, survivor);
        }
        finally
        {
            TestStorage.Drop(dataDirectory);
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private async Task RunAsync(ThreadlineServer victim, ThreadlineServer survivor)
    {
        using var onVictim = QueueApi.NewClient(victim);
        using var onSurvivor = QueueApi.NewClient(survivor);
        var assistantId = await QueueApi.CreateAssistantAsync(onVictim, QueuedModel);

        // :: Runs made through a node start on it (the request claims them); one queued behind each.
        async Task<(string Thread, string Run, string Queued)> StartAsync(HttpClient http, string model)
        {
            var thread = await QueueApi.CreateThreadWithMessageAsync(http, "hello");
            var run = (await QueueApi.CreateRunAsync(http, thread, QueueApi.RunBody(assistantId, model))).AssertOk();
            var queued = (await QueueApi.CreateRunAsync(http, thread, QueueApi.RunBody(assistantId))).AssertOk();
            return (thread, QueueApi.Id(run), QueueApi.Id(queued));
        }

        var own = await Task.WhenAll(Enumerable.Range(0, ThreadsPerKind).Select(_ => StartAsync(onSurvivor, TalkingModel)));
        var talking = await Task.WhenAll(Enumerable.Range(0, ThreadsPerKind).Select(_ => StartAsync(onVictim, TalkingModel)));
        await Task.WhenAll(talking.Select(t => Eventually.TrueAsync(
            async () => (await QueueApi.ListAllAsync(onSurvivor, $"threads/{t.Thread}/messages?run_id={t.Run}")).Count > 0,
            $"run {t.Run} to have stored the start of its reply", TimeSpan.FromSeconds(20))));
        var quiet = await Task.WhenAll(Enumerable.Range(0, ThreadsPerKind).Select(_ => StartAsync(onVictim, QuietModel)));
        var victimOwner = $":{victim.ProcessId}:";
        foreach (var (thread, run, _) in talking.Concat(quiet))
        {
            var current = await QueueApi.GetRunAsync(onSurvivor, thread, run);
            Assert.True(QueueApi.Status(current) == "in_progress" && ((string?)current["lease_owner"])?.Contains(victimOwner) == true,
                $"run {run} should be executing on the node about to be killed: {current.ToJsonString()}");
        }

        // :: The kill; the survivor takes each run over once its lease lapses.
        victim.Kill();
        var clock = Stopwatch.StartNew();
        var takenOver = await Task.WhenAll(talking.Concat(quiet).Select(async t =>
        {
            await QueueApi.WaitForRunAsync(onSurvivor, t.Thread, t.Run,
                r => QueueApi.Status(r) != "in_progress" || ((string?)r["lease_owner"])?.Contains(victimOwner) != true,
                LeaseTimeout + TimeSpan.FromSeconds(15), "a take-over by the surviving node");
            return clock.ElapsedMilliseconds;
        }));
        output.WriteLine($"{takenOver.Length} runs taken over {takenOver.Min()} to {takenOver.Max()} ms after the kill (lease timeout {LeaseTimeout.TotalMilliseconds} ms)");
        Assert.True(takenOver.Max() <= (LeaseTimeout + TakeOverSlack).TotalMilliseconds,
            $"a take-over took {takenOver.Max()} ms, beyond the lease timeout of {LeaseTimeout}\n{survivor.FormatLog(60)}");

        // :: Every run ends: the dead node's as I5 says, the queues behind them, and the survivor's own untouched.
        var rows = (await RunTable.WaitUntilAllTerminalAsync(onSurvivor, ThreadsPerKind * 3 * 2, TimeSpan.FromSeconds(60))).ToDictionary(r => r.Id);
        foreach (var (_, run, _) in talking)
        {
            var row = rows[run];
            Assert.True(row.Status == "failed", $"run {run} had begun its reply when its node died; it should have failed: {row}");
        }
        var restarted = quiet.Count(q => rows[q.Run] is { Status: "completed", Attempt: > 1 });
        Assert.True(restarted > 0, "no run without output was started again: " + string.Join("\n", quiet.Select(q => rows[q.Run])));
        Assert.All(quiet, q => Assert.True(rows[q.Run].Status is "completed" or "failed", $"{rows[q.Run]}"));
        Assert.All(talking.Concat(quiet).Concat(own), t => Assert.Equal("completed", rows[t.Queued].Status));
        Assert.All(own, t => Assert.True(rows[t.Run] is { Status: "completed", Attempt: 1 }, $"the survivor's own run was disturbed: {rows[t.Run]}"));
        var survivorOwner = $":{survivor.ProcessId}:";
        Assert.All(talking.Concat(quiet), t => Assert.Contains(survivorOwner, rows[t.Queued].LeaseOwner ?? ""));
        await ThreadReplies.AssertFailedOnlyWhenTakenOverAsync(onSurvivor, rows.Values);

        // :: One reply per run, never two; one run at a time per thread.
        await ThreadReplies.AssertOnePerRunAsync(onSurvivor, talking.Concat(quiet).Concat(own).Select(t => t.Thread), rows.Values);
        output.WriteLine($"after the kill: {ThreadsPerKind} runs that had spoken failed, {restarted} of {ThreadsPerKind} silent ones started again and completed, " +
                         $"{ThreadsPerKind * 3} queued runs and the survivor's own {ThreadsPerKind} completed");
    }
}
