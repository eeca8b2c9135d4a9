using System.ClientModel;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.RunSteps;

/// <summary>Run steps through the official .NET SDK: an echo run leaves one message_creation step.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class RunStepSdkTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task ACompletedEchoRunHasOneMessageCreationStepPointingAtItsReply()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["step by step"]);
        ThreadRun run = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, run.Id);

        var steps = new List<RunStep>();
        await foreach (var s in _client.GetRunStepsAsync(thread.Id, run.Id))
            steps.Add(s);

        var step = Assert.Single(steps);
        Assert.StartsWith("step_", step.Id);
        Assert.Equal(RunStepKind.CreatedMessage, step.Kind);
        Assert.Equal(RunStepStatus.Completed, step.Status);
        Assert.Equal(run.Id, step.RunId);
        Assert.Equal(thread.Id, step.ThreadId);
        Assert.Equal(assistant.Id, step.AssistantId);
        Assert.NotNull(step.CompletedAt);
        Assert.Null(step.LastError);

        var replies = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id))
            if (m.Role == MessageRole.Assistant)
                replies.Add(m);
        var reply = Assert.Single(replies);
        Assert.Equal(reply.Id, step.Details.CreatedMessageId);
        Assert.Equal("step by step", reply.Content[0].Text);

        RunStep fetched = await _client.GetRunStepAsync(thread.Id, run.Id, step.Id);
        Assert.Equal(step.Id, fetched.Id);
        Assert.Equal(reply.Id, fetched.Details.CreatedMessageId);
        Assert.Equal(step.CreatedAt, fetched.CreatedAt);
    }

    [Fact]
    public async Task AStepOfAnotherRunIsNotFound()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["a"]);
        ThreadRun first = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, first.Id);
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["b"]);
        ThreadRun second = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, second.Id);
        string? firstStep = null;
        await foreach (var s in _client.GetRunStepsAsync(thread.Id, first.Id))
            firstStep = s.Id;

        var error = await Assert.ThrowsAsync<ClientResultException>(() => _client.GetRunStepAsync(thread.Id, second.Id, firstStep!));

        Assert.Equal(404, error.Status);
    }
}
