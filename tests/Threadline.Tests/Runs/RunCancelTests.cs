using System.ClientModel;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Runs;

/// <summary>Cancelling a waiting run and a running one through the SDK.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class RunCancelTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task CancellingAQueuedRunEndsItWithoutStartingIt()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["wait for me"]);
        using var http = server.CreateHttpClient();
        // A long quiet period keeps the run queued for the whole test.
        var queued = await http.PostOkAsync($"threads/{thread.Id}/runs",
            $$"""{"assistant_id":"{{assistant.Id}}","debounce_ms":600000,"max_wait_ms":600000}""");
        Assert.Equal("queued", (string?)queued["status"]);
        var runId = (string)queued["id"]!;

        ThreadRun cancelled = await _client.CancelRunAsync(thread.Id, runId);

        Assert.True(cancelled.Status == RunStatus.Cancelled || cancelled.Status == RunStatus.Cancelling, $"status after cancel: {cancelled.Status}");
        ThreadRun ended = await RunWaiter.UntilTerminalAsync(_client, thread.Id, runId);
        Assert.Equal(RunStatus.Cancelled, ended.Status);
        Assert.NotNull(ended.CancelledAt);
        Assert.Null(ended.StartedAt);
        var messages = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id))
            messages.Add(m);
        Assert.Equal(MessageRole.User, Assert.Single(messages).Role);
        var again = await Assert.ThrowsAsync<ClientResultException>(() => _client.CancelRunAsync(thread.Id, runId));
        Assert.Equal(400, again.Status);
        Assert.Contains("Cannot cancel run with status 'cancelled'.", again.Message);
    }

    [Fact]
    public async Task CancellingARunInProgressStopsIt()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo:5000");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["a slow answer"]);
        ThreadRun created = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilAsync(_client, thread.Id, created.Id, r => r.Status == RunStatus.InProgress, "in_progress");
        var started = DateTime.UtcNow;

        ThreadRun cancelling = await _client.CancelRunAsync(thread.Id, created.Id);

        Assert.True(cancelling.Status == RunStatus.Cancelling || cancelling.Status == RunStatus.Cancelled, $"status after cancel: {cancelling.Status}");
        ThreadRun ended = await RunWaiter.UntilTerminalAsync(_client, thread.Id, created.Id);
        Assert.Equal(RunStatus.Cancelled, ended.Status);
        Assert.NotNull(ended.CancelledAt);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the cancel did not stop the 5 s model call early");
    }

    [Fact]
    public async Task CancellingACompletedRunIsRefused()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["x"]);
        ThreadRun created = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, created.Id);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => _client.CancelRunAsync(thread.Id, created.Id));

        Assert.Equal(400, error.Status);
        Assert.Contains("Cannot cancel run with status 'completed'.", error.Message);
    }
}
