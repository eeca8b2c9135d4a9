using System.Net;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// <c>on_active: "reject"</c> asks for the hosted behaviour on one request of a default (queueing)
/// server: that run is refused with the hosted 400 while another run is active; requests without it
/// still queue.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class OnActiveRejectTests(SharedServerFixture fixture)
{
    [Fact]
    public async Task A_run_with_on_active_reject_is_refused_while_a_run_is_active()
    {
        using var http = QueueApi.NewClient(fixture.Server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "hello")).IsSuccess());
        var active = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, model: "echo:3000")));
        await QueueApi.WaitForStatusAsync(http, thread, active, "in_progress", TimeSpan.FromSeconds(10));

        var refused = await QueueApi.CreateRunAsync(http, thread, QueueApi.RunBody(assistant, onActive: "reject"));
        refused.AssertError(400, $"Thread {thread} already has an active run {active}.");

        // The default server still takes messages, and runs that do not ask to be refused queue.
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "still accepted")).IsSuccess());
        var queued = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, onActive: "queue"));
        Assert.Equal("queued", QueueApi.Status(queued));
        Assert.Equal(1, QueueApi.Long(queued, "queue_position"));

        var runs = await QueueApi.ListAllAsync(http, $"threads/{thread}/runs");
        Assert.Equal([active, QueueApi.Id(queued)], runs.Select(QueueApi.Id));

        // Let the thread go quiet without waiting for the slow run.
        Assert.True((await QueueApi.PostAsync(http, $"threads/{thread}/runs/{active}/cancel", new System.Text.Json.Nodes.JsonObject())).IsSuccess());
        await QueueApi.WaitForTerminalAsync(http, thread, QueueApi.Id(queued), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_run_with_on_active_reject_on_an_idle_thread_runs()
    {
        using var http = QueueApi.NewClient(fixture.Server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "hello")).IsSuccess());
        var run = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, onActive: "reject"));
        Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, QueueApi.Id(run), TimeSpan.FromSeconds(10))));
    }
}
