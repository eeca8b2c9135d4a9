using System.Collections.Concurrent;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// Strict mode across nodes. On idle threads, nine clients, three on each of three nodes, ask at the same
/// instant for a run with <c>on_active: "reject"</c>. Strict mode looks for a run holding the thread and
/// inserts one when there is none: only the thread's row lock keeps two nodes from both seeing it idle
/// (a second run would be queued, not active, so the index of I1 would not object). Exactly one call per
/// thread is accepted; the others get the hosted 400 naming it; the thread never has a second run.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class StrictModeAcrossNodesTests(ITestOutputHelper output)
{
    private const int NodeCount = 3;
    private const int Threads = 10;
    private const int ClientsPerThread = 9;

    [PostgresFact]
    public async Task Of_strict_runs_asked_for_at_once_through_three_nodes_exactly_one_is_accepted()
    {
        await using var nodes = await Nodes.StartAsync(NodeCount);
        using var setup = QueueApi.NewClient(nodes[0]);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);
        var threads = new string[Threads];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Threads), 8, async t => threads[t] = await QueueApi.CreateThreadWithMessageAsync(setup, $"thread {t}"));

        // Slow enough that the accepted run still holds its thread when the last refusal is written.
        var body = QueueApi.RunBody(assistantId, model: "echo:5000", onActive: "reject");
        var answers = new ConcurrentBag<(string Thread, ApiResponse Response, long AnsweredMs)>();
        await AllAtOnce.RunAsync(Threads * ClientsPerThread, i => QueueApi.NewClient(nodes[i % NodeCount]), async (i, http) =>
        {
            var thread = threads[i / ClientsPerThread];
            var response = await QueueApi.CreateRunAsync(http, thread, body.DeepClone().AsObject());
            answers.Add((thread, response, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        });

        var rows = await RunTable.WaitUntilAllTerminalAsync(setup, Threads, TimeSpan.FromSeconds(60));
        foreach (var thread in threads)
        {
            var mine = answers.Where(a => a.Thread == thread).ToList();
            var accepted = mine.Where(a => a.Response.IsSuccess()).ToList();
            Assert.True(accepted.Count == 1,
                $"{thread}: {accepted.Count} of {ClientsPerThread} strict calls accepted:\n  {string.Join("\n  ", mine.Select(a => a.Response.Summary()))}");
            var runId = QueueApi.Id(accepted[0].Response.AssertOk());
            foreach (var (_, refused, _) in mine.Where(a => !a.Response.IsSuccess()))
                refused.AssertError(400, $"Thread {thread} already has an active run {runId}.");

            // :: Never two runs, so never two active; and the one accepted held the thread while the others were refused.
            var run = Assert.Single(rows, r => r.ThreadId == thread);
            Assert.Equal((runId, "completed"), (run.Id, run.Status));
            Assert.True(run.EndedAtMs > mine.Max(a => a.AnsweredMs), $"the accepted run ended before every call was answered; a later call could rightly be accepted:\n  {run}");
        }

        output.WriteLine($"{Threads} idle threads, {ClientsPerThread} strict calls each through {NodeCount} nodes: one accepted per thread, " +
                         $"{answers.Count(a => !a.Response.IsSuccess())} refused with the hosted 400");
    }
}
