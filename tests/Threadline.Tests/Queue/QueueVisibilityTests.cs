using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// The queue is visible: a thread shows its active run and how many wait; a waiting run shows its
/// place (the number of runs ahead of it, the active one included); a debounced run shows when it may
/// start. Once the queue has drained, the fields say so.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class QueueVisibilityTests(SharedServerFixture fixture)
{
    [Fact]
    public async Task Thread_and_runs_show_the_active_run_and_the_places_of_the_waiting_ones()
    {
        using var http = QueueApi.NewClient(fixture.Server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "hello")).IsSuccess());

        var a = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, model: "echo:2000")));
        await QueueApi.WaitForStatusAsync(http, thread, a, "in_progress", TimeSpan.FromSeconds(10));
        var createdB = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant));
        var createdC = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant));
        var (b, c) = (QueueApi.Id(createdB), QueueApi.Id(createdC));

        var threadObject = await QueueApi.GetOkAsync(http, $"threads/{thread}");
        var runB = await QueueApi.GetRunAsync(http, thread, b);
        var runC = await QueueApi.GetRunAsync(http, thread, c);
        var runA = await QueueApi.GetRunAsync(http, thread, a);
        Assert.True(QueueApi.Status(runA) == "in_progress", $"run A ended before the queue could be read; the check proves nothing: {runA.ToJsonString()}");

        Assert.Equal(a, (string?)threadObject["active_run_id"]);
        Assert.Equal(2, QueueApi.Long(threadObject, "queued_run_count"));
        Assert.Equal(("queued", 1L), (QueueApi.Status(createdB), QueueApi.Long(createdB, "queue_position")));
        Assert.Equal(("queued", 2L), (QueueApi.Status(createdC), QueueApi.Long(createdC, "queue_position")));
        Assert.Equal(("queued", 1L), (QueueApi.Status(runB), QueueApi.Long(runB, "queue_position")));
        Assert.Equal(("queued", 2L), (QueueApi.Status(runC), QueueApi.Long(runC, "queue_position")));
        Assert.Null(QueueApi.Long(runA, "queue_position"));

        // The same in the runs list, and the thread in the threads list.
        var listed = (await QueueApi.ListAllAsync(http, $"threads/{thread}/runs")).ToDictionary(QueueApi.Id);
        Assert.Equal(1, QueueApi.Long(listed[b], "queue_position"));
        Assert.Equal(2, QueueApi.Long(listed[c], "queue_position"));

        // :: Drained: no active run, nothing waiting, no positions.
        foreach (var run in new[] { a, b, c })
        {
            Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, run, TimeSpan.FromSeconds(10))));
        }

        threadObject = await QueueApi.GetOkAsync(http, $"threads/{thread}");
        Assert.Null((string?)threadObject["active_run_id"]);
        Assert.Equal(0, QueueApi.Long(threadObject, "queued_run_count"));
        Assert.Null(QueueApi.Long(await QueueApi.GetRunAsync(http, thread, c), "queue_position"));
    }

    [Fact]
    public async Task A_debounced_run_shows_when_it_may_start_and_moves_it_on_each_message()
    {
        using var http = QueueApi.NewClient(fixture.Server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "one")).IsSuccess());

        var created = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, debounceMs: 5000, maxWaitMs: 60000));
        var run = QueueApi.Id(created);
        Assert.Equal("queued", QueueApi.Status(created));
        Assert.Equal(5000, QueueApi.Long(created, "debounce_ms"));
        Assert.Equal(60000, QueueApi.Long(created, "max_wait_ms"));
        Assert.Equal(0, QueueApi.Long(created, "queue_position"));
        var eligible = QueueApi.Long(created, "eligible_at_ms")!.Value;
        var createdAtMs = (await RunTable.ReadOneAsync(http, thread, run)).CreatedAtMs;
        Assert.Equal(createdAtMs + 5000, eligible);

        Assert.True((await QueueApi.AddMessageAsync(http, thread, "two")).IsSuccess());
        var moved = QueueApi.Long(await QueueApi.GetRunAsync(http, thread, run), "eligible_at_ms")!.Value;
        Assert.True(moved > eligible, $"a new user message should restart the quiet period: eligible_at_ms {eligible} -> {moved}");
        var threadObject = await QueueApi.GetOkAsync(http, $"threads/{thread}");
        Assert.Null((string?)threadObject["active_run_id"]);
        Assert.Equal(1, QueueApi.Long(threadObject, "queued_run_count"));

        // Do not keep the shared server's scheduler waiting on it.
        var cancelled = await QueueApi.PostAsync(http, $"threads/{thread}/runs/{run}/cancel", new JsonObject());
        Assert.True(cancelled.IsSuccess(), cancelled.Summary());
        Assert.Equal("cancelled", QueueApi.Status(cancelled.AssertOk()));
        Assert.Null(QueueApi.Long(cancelled.AssertOk(), "eligible_at_ms"));
    }
}
