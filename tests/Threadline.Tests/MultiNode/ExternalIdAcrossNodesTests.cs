using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// Find-or-create by external id across nodes. For each external id, six clients, two on each of three
/// nodes, at the same instant: three create a thread with it, three create a thread and run with it, each
/// bringing one message. Two transactions that both find no thread both insert one; the second must
/// wait for the first, learn the id is taken and append to the first's thread (a thread of its own, or
/// a 500 from the unique index, is the rule broken). Every call must name one thread, which holds
/// every message, and the runs on it must run one at a time, in order.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class ExternalIdAcrossNodesTests(ITestOutputHelper output)
{
    private const int NodeCount = 3;
    private const int ExternalIds = 15;
    private const int ClientsPerId = 6;

    [PostgresFact]
    public async Task Calls_with_one_external_id_through_three_nodes_share_one_thread_that_holds_every_message()
    {
        await using var nodes = await Nodes.StartAsync(NodeCount);
        using var setup = QueueApi.NewClient(nodes[0]);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);

        var answers = new ConcurrentBag<(string ExternalId, string Text, ApiResponse Response, bool WithRun)>();
        await AllAtOnce.RunAsync(ExternalIds * ClientsPerId, i => QueueApi.NewClient(nodes[i % NodeCount]), async (i, http) =>
        {
            var (externalId, k) = ($"customer-{i / ClientsPerId}", i % ClientsPerId);
            var text = $"{externalId} message {k}";
            var thread = new JsonObject { ["external_id"] = externalId, ["messages"] = new JsonArray(QueueApi.UserMessage(text)) };
            var withRun = k % 2 == 1;
            var response = withRun
                ? await QueueApi.PostAsync(http, "threads/runs", new JsonObject { ["assistant_id"] = assistantId, ["thread"] = thread })
                : await QueueApi.PostAsync(http, "threads", thread);
            answers.Add((externalId, text, response, withRun));
        });

        var failed = answers.Where(a => !a.Response.IsSuccess()).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} failed calls:\n{string.Join("\n", failed.Take(20).Select(a => a.Response.Summary()))}\n{nodes.FormatLogs()}");
        var rows = await RunTable.WaitUntilAllTerminalAsync(setup, ExternalIds * ClientsPerId / 2, TimeSpan.FromSeconds(60));

        foreach (var group in answers.GroupBy(a => a.ExternalId))
        {
            // :: One thread: named by every answer, and the only one the id lists.
            var named = group.Select(a => a.WithRun ? (string)a.Response.AssertOk()["thread_id"]! : QueueApi.Id(a.Response.AssertOk())).Distinct().ToList();
            Assert.True(named.Count == 1, $"{group.Key}: the calls answered {named.Count} threads: {string.Join(", ", named)}");
            var listed = await QueueApi.ListAllAsync(setup, $"threads?external_id={group.Key}");
            Assert.Equal(named[0], QueueApi.Id(Assert.Single(listed)));

            // :: Every message in it; its runs one at a time, in creation order.
            var texts = (await QueueApi.ListAllAsync(setup, $"threads/{named[0]}/messages")).Where(m => QueueApi.Role(m) == "user").Select(QueueApi.Text).ToHashSet();
            Assert.True(texts.SetEquals(group.Select(a => a.Text)), $"{group.Key}: the thread holds {string.Join(" | ", texts)}");
            var runs = rows.Where(r => r.ThreadId == named[0]).ToList();
            Assert.Equal(group.Count(a => a.WithRun), runs.Count);
            RunTable.AssertSerialInQueueOrder(runs);
        }

        output.WriteLine($"{ExternalIds} external ids x {ClientsPerId} calls through {NodeCount} nodes: {ExternalIds} threads, {rows.Count} runs");
    }
}
