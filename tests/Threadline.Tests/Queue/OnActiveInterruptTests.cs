using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// <c>on_active: "interrupt"</c>: the thread's active run is cancelled, whatever it had written is kept
/// as an <c>incomplete</c> reply (reason <c>run_cancelled</c>), and the interrupting run goes next,
/// ahead of runs that were already waiting.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class OnActiveInterruptTests(SharedServerFixture fixture)
{
    [Fact]
    public async Task Interrupting_cancels_the_active_run_and_runs_next()
    {
        var server = fixture.Server;
        using var http = QueueApi.NewClient(server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "first question")).IsSuccess());

        var slow = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, model: "echo:3000")));
        await QueueApi.WaitForStatusAsync(http, thread, slow, "in_progress", TimeSpan.FromSeconds(10));
        var waiting = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant));
        Assert.Equal("queued", QueueApi.Status(waiting));

        Assert.True((await QueueApi.AddMessageAsync(http, thread, "actually, this instead")).IsSuccess());
        var interrupting = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, onActive: "interrupt"));
        Assert.Equal("queued", QueueApi.Status(interrupting));
        Assert.Equal(false, interrupting["joined"]?.GetValue<bool>());

        // :: The active run ends cancelled, well before its 3 s; its partial reply, if any, is incomplete.
        var cancelled = await QueueApi.WaitForTerminalAsync(http, thread, slow, TimeSpan.FromSeconds(2.5));
        Assert.Equal("cancelled", QueueApi.Status(cancelled));
        Assert.NotNull(QueueApi.Long(cancelled, "cancelled_at"));
        foreach (var partial in await QueueApi.ListAllAsync(http, $"threads/{thread}/messages?run_id={slow}"))
        {
            Assert.Equal("incomplete", QueueApi.Status(partial));
            Assert.Equal("run_cancelled", (string?)partial["incomplete_details"]?["reason"]);
        }

        // :: The interrupting run went next, ahead of the one already waiting, and both completed.
        var next = QueueApi.Id(interrupting);
        Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, next, TimeSpan.FromSeconds(10))));
        Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, QueueApi.Id(waiting), TimeSpan.FromSeconds(10))));

        var rows = (await RunTable.ReadThreadAsync(http, thread)).ToDictionary(r => r.Id);
        var order = rows.Values.OrderBy(r => r.StartedAtMs).Select(r => r.Id).ToList();
        Assert.Equal([slow, next, QueueApi.Id(waiting)], order);
        RunTable.AssertSerialInQueueOrder(rows.Values, checkQueueOrder: false);

        // The interrupting run answered the new message.
        var reply = Assert.Single(await QueueApi.ListAllAsync(http, $"threads/{thread}/messages?run_id={next}"));
        Assert.Contains("actually, this instead", QueueApi.Text(reply), StringComparison.Ordinal);
        Assert.Equal("completed", QueueApi.Status(reply));
    }

    /// <summary>
    /// An interrupted run that had written nothing has no partial reply to keep: no empty assistant
    /// message is left in the thread, so the interrupting run answers every user message since the last
    /// real reply.
    /// </summary>
    [Fact]
    public async Task An_interrupted_run_that_had_written_nothing_leaves_no_empty_reply()
    {
        using var http = QueueApi.NewClient(fixture.Server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "first question")).IsSuccess());

        // echo:60000 writes its first chunk after 15 s: it has written nothing when it is interrupted.
        var slow = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, model: "echo:60000")));
        await QueueApi.WaitForStatusAsync(http, thread, slow, "in_progress", TimeSpan.FromSeconds(10));
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "actually, this instead")).IsSuccess());
        var next = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, onActive: "interrupt")));

        Assert.Equal("cancelled", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, slow, TimeSpan.FromSeconds(5))));
        Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, next, TimeSpan.FromSeconds(10))));

        var messages = await QueueApi.ListAllAsync(http, $"threads/{thread}/messages");
        var described = string.Join(" | ", messages.Select(m => $"{QueueApi.Role(m)} {QueueApi.Status(m)} run={m["run_id"]}: '{QueueApi.Text(m)}'"));
        Assert.True(messages.All(m => QueueApi.Text(m).Length > 0), $"the thread holds an empty message: {described}");
        Assert.Equal(["user", "user", "assistant"], messages.Select(QueueApi.Role));
        Assert.Equal("first question\nactually, this instead", QueueApi.Text(messages[2]));
    }
}
