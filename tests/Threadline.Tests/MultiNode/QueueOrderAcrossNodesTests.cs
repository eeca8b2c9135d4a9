using System.Collections.Concurrent;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// Queue order across nodes. While a slow run holds each thread, a dozen clients, four on each of three
/// nodes, create a run on it at the same instant. A new run's place is the thread's last place plus one,
/// read and written in its transaction: only the thread's row lock keeps two nodes from reading the same
/// last place (no index forbids a shared one). Each answer must show a place of its own, 1 to 12 in the
/// order the runs were made, and the runs must then execute one at a time (I1), in that order (I2),
/// though the nodes hand them back and forth (handoff off: whichever scheduler asks first claims).
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class QueueOrderAcrossNodesTests(ITestOutputHelper output)
{
    private const int NodeCount = 3;
    private const int Threads = 6;
    private const int ClientsPerNode = 4;
    private const int RunsPerThread = NodeCount * ClientsPerNode;

    [PostgresFact]
    public async Task Runs_made_at_once_through_three_nodes_get_places_of_their_own_and_run_one_at_a_time_in_that_order()
    {
        await using var nodes = await Nodes.StartAsync(NodeCount, new Dictionary<string, string>
        {
            ["Threadline:Queue:Handoff"] = "false",
        });
        using var setup = QueueApi.NewClient(nodes[0]);
        var assistantId = await QueueApi.CreateAssistantAsync(setup, "echo:20");
        var threads = new string[Threads];
        var blockers = new string[Threads];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Threads), Threads, async t =>
        {
            threads[t] = await QueueApi.CreateThreadWithMessageAsync(setup, $"thread {t}");
            blockers[t] = QueueApi.Id(await QueueApi.PostOkAsync(setup, $"threads/{threads[t]}/runs", QueueApi.RunBody(assistantId, model: "echo:4000")));
            await QueueApi.WaitForStatusAsync(setup, threads[t], blockers[t], "in_progress", TimeSpan.FromSeconds(10));
        });

        // :: Every client of every thread at once.
        var answers = new ConcurrentBag<(string Thread, string Run, long? Position, long AnsweredMs)>();
        var errors = new ConcurrentBag<string>();
        await AllAtOnce.RunAsync(Threads * RunsPerThread, i => QueueApi.NewClient(nodes[i % NodeCount]), async (i, http) =>
        {
            var thread = threads[i / RunsPerThread];
            var run = await QueueApi.CreateRunAsync(http, thread, QueueApi.RunBody(assistantId));
            if (!run.IsSuccess())
            {
                errors.Add(run.Summary());
                return;
            }

            var json = run.AssertOk();
            answers.Add((thread, QueueApi.Id(json), QueueApi.Long(json, "queue_position"), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        });

        Assert.True(errors.IsEmpty, $"{errors.Count} failed calls:\n{string.Join("\n", errors.Take(20))}");

        // :: A place of its own for each run, 1 to 12, in creation order: read at once, while the slow runs hold the threads.
        foreach (var (thread, t) in threads.Select((thread, t) => (thread, t)))
        {
            var byCreation = (await RunTable.ReadThreadAsync(setup, thread)).Where(r => r.Id != blockers[t]).OrderBy(r => r.CreationOrder).Select(r => r.Id).ToList();
            var byPlace = answers.Where(a => a.Thread == thread).OrderBy(a => a.Position).ToList();
            Assert.True(byPlace.Select(a => a.Position).SequenceEqual(Enumerable.Range(1, RunsPerThread).Select(p => (long?)p)),
                $"places on {thread}: {string.Join(", ", byPlace.Select(a => a.Position))} (expected 1 to {RunsPerThread}, each once)");
            Assert.True(byPlace.Select(a => a.Run).SequenceEqual(byCreation),
                $"places on {thread} disagree with the creation order:\n  by place {string.Join(" ", byPlace.Select(a => a.Run))}\n  created  {string.Join(" ", byCreation)}");
        }

        var rows = await RunTable.WaitUntilAllTerminalAsync(setup, Threads * (RunsPerThread + 1), TimeSpan.FromSeconds(60));
        var owners = rows.Where(r => !blockers.Contains(r.Id)).Select(r => r.LeaseOwner).Distinct().Count();
        output.WriteLine($"{Threads} threads x {RunsPerThread} runs made at once through {NodeCount} nodes; executed by {owners} nodes");

        foreach (var thread in rows.GroupBy(r => r.ThreadId))
        {
            // Places are told relative to the thread's active run: they meant something only if it held the thread throughout.
            var blocker = Assert.Single(thread, r => blockers.Contains(r.Id));
            Assert.True(blocker.EndedAtMs > answers.Where(a => a.Thread == thread.Key).Max(a => a.AnsweredMs),
                $"the slow run of {thread.Key} ended before every run was made; the places shifted under the test:\n  {blocker}");

            // :: One at a time, in creation order.
            Assert.All(thread, r => Assert.Equal("completed", r.Status));
            RunTable.AssertSerialInQueueOrder(thread);
        }

        Assert.True(owners > 1, "one node executed every run; the order was not tested across nodes");
    }
}
