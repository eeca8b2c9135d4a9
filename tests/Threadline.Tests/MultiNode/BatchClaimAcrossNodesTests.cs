using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// The batch claim across nodes. Sixty threads get work that becomes claimable at about one instant (a
/// debounced run first, two plain runs behind it), and three nodes with four execution slots each claim
/// it in batches, as they wake, with no handoff: every later run is claimed by a scheduler pass too.
/// A batch locks the threads it lists and skips those another node holds; a run claimed twice would run
/// twice, which shows as a second execution (attempt 2) and a second reply.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class BatchClaimAcrossNodesTests(ITestOutputHelper output)
{
    private const int NodeCount = 3;
    private const int Threads = 60;
    private const int RunsPerThread = 3;

    [PostgresFact]
    public async Task Runs_claimed_in_batches_by_three_nodes_each_execute_once()
    {
        await using var nodes = await Nodes.StartAsync(NodeCount, new Dictionary<string, string>
        {
            ["Threadline:Queue:Handoff"] = "false",
            ["Threadline:Queue:MaxConcurrentRuns"] = "4",
        });
        using var setup = QueueApi.NewClient(nodes[0]);
        var assistantId = await QueueApi.CreateAssistantAsync(setup, "echo:30");

        // :: The work, spread over the nodes' clients; the debounce holds every thread's head until all is made.
        var clients = Enumerable.Range(0, NodeCount).Select(n => QueueApi.NewClient(nodes[n])).ToArray();
        try
        {
            await QueueApi.ForEachAsync(Enumerable.Range(0, Threads), 12, async t =>
            {
                var http = clients[t % NodeCount];
                var thread = await QueueApi.CreateThreadAsync(http);
                for (var n = 0; n < RunsPerThread; n++)
                {
                    (await QueueApi.AddMessageAsync(http, thread, $"thread {t} message {n}")).AssertOk();
                    (await QueueApi.CreateRunAsync(http, thread, QueueApi.RunBody(assistantId, debounceMs: n == 0 ? 2000 : null))).AssertOk();
                }
            });
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }

        var rows = await RunTable.WaitUntilAllTerminalAsync(setup, Threads * RunsPerThread, TimeSpan.FromSeconds(90));
        var owners = rows.GroupBy(r => r.LeaseOwner).ToDictionary(g => g.Key ?? "(none)", g => g.Count());
        output.WriteLine($"{rows.Count} runs on {Threads} threads; executed per node: {string.Join(", ", owners.Values)}");

        // :: Each run executed once, to completion, with one reply.
        Assert.Equal(Threads * RunsPerThread, rows.Count);
        Assert.All(rows, r => Assert.True(r is { Status: "completed", Attempt: 1 }, $"not one completed execution: {r}"));
        var problems = new List<string>();
        await QueueApi.ForEachAsync(rows.GroupBy(r => r.ThreadId), 4, async thread =>
        {
            var replies = (await QueueApi.ListAllAsync(setup, $"threads/{thread.Key}/messages"))
                .Where(m => QueueApi.Role(m) == "assistant").GroupBy(m => (string?)m["run_id"]).ToDictionary(g => g.Key ?? "(none)", g => g.Count());
            lock (problems)
                problems.AddRange(thread.Where(r => replies.GetValueOrDefault(r.Id) != 1).Select(r => $"{r.Id} has {replies.GetValueOrDefault(r.Id)} replies"));
            RunTable.AssertSerialInQueueOrder(thread);
        });
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        Assert.True(owners.Count == NodeCount, $"not every node claimed: {string.Join(", ", owners.Keys)}");
    }
}
