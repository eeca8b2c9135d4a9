using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;
using static OpenAI.Assistants.StreamingUpdateReason;

namespace Threadline.Tests.Streaming;

/// <summary>
/// The official .NET SDK's streaming methods against the real server (model <c>echo</c>): the updates come in
/// the order of the spec's streaming examples and carry the reply's text.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class SdkStreamingTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task CreateRunStreamingYieldsEveryUpdateInOrderAndTheEchoText()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["Hello, streaming world"]);

        var updates = await StreamingUpdates.ToListAsync(_client.CreateRunStreamingAsync(thread.Id, assistant.Id));

        StreamingUpdates.AssertKinds(updates, [RunCreated, RunQueued, .. StreamingUpdates.TextReplyHead], StreamingUpdates.TextReplyTail);
        Assert.Equal("Hello, streaming world", StreamingUpdates.Text(updates));
        var runs = updates.OfType<RunUpdate>().Select(u => u.Value).ToList();
        Assert.All(runs, r => Assert.Equal(thread.Id, r.ThreadId));
        Assert.Single(runs.Select(r => r.Id).Distinct());
        Assert.Equal([RunStatus.Queued, RunStatus.Queued, RunStatus.InProgress, RunStatus.Completed], runs.Select(r => r.Status));
        var reply = updates.OfType<MessageStatusUpdate>().Last().Value;
        Assert.Equal(MessageStatus.Completed, reply.Status);
        Assert.Equal(runs[0].Id, reply.RunId);
        Assert.All(updates.OfType<MessageContentUpdate>(), u => Assert.Equal(reply.Id, u.MessageId));
        var step = updates.OfType<RunStepUpdate>().Last().Value;
        Assert.Equal(RunStepStatus.Completed, step.Status);
        Assert.Equal(reply.Id, step.Details.CreatedMessageId);

        ThreadMessage stored = await _client.GetMessageAsync(thread.Id, reply.Id);
        Assert.Equal("Hello, streaming world", Assert.Single(stored.Content).Text);
        ThreadRun done = await _client.GetRunAsync(thread.Id, runs[0].Id);
        Assert.Equal(RunStatus.Completed, done.Status);
    }

    [Fact]
    public async Task CreateThreadAndRunStreamingBeginsWithTheThread()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        var threadOptions = new ThreadCreationOptions
        {
            InitialMessages =
            {
                new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("first line")]),
                new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("second line")]),
            },
        };

        var updates = await StreamingUpdates.ToListAsync(_client.CreateThreadAndRunStreamingAsync(assistant.Id, threadOptions));

        StreamingUpdates.AssertKinds(updates, [ThreadCreated, RunCreated, RunQueued, .. StreamingUpdates.TextReplyHead], StreamingUpdates.TextReplyTail);
        Assert.Equal("first line\nsecond line", StreamingUpdates.Text(updates));
        var threadId = Assert.IsType<ThreadUpdate>(updates[0]).Id;
        Assert.StartsWith("thread_", threadId);
        Assert.All(updates.OfType<RunUpdate>(), u => Assert.Equal(threadId, u.Value.ThreadId));
        var messages = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(threadId, new MessageCollectionOptions { Order = MessageCollectionOrder.Ascending }))
            messages.Add(m);
        Assert.Equal(["first line", "second line", "first line\nsecond line"], messages.Select(m => m.Content[0].Text));
    }

    [Fact]
    public async Task SubmitToolOutputsToRunStreamingResumesTheRunToItsReply()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo", new AssistantCreationOptions
        {
            Tools = { ToolDefinition.CreateFunction("get_weather", "The weather in a city",
                BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")) },
        });
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["""call:get_weather {"city":"Paris"}"""]);

        var first = await StreamingUpdates.ToListAsync(_client.CreateRunStreamingAsync(thread.Id, assistant.Id));

        var kinds = StreamingUpdates.Kinds(first);
        Assert.True(kinds.SequenceEqual([RunCreated, RunQueued, RunInProgress, RunStepCreated, RunStepInProgress, RunStepUpdated, RunRequiresAction]),
            StreamingUpdates.Describe(kinds));
        var action = Assert.IsType<RequiredActionUpdate>(first[^1]);
        Assert.Equal("get_weather", action.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", action.FunctionArguments);
        Assert.StartsWith("call_", action.ToolCallId);
        var run = action.GetThreadRun();
        Assert.Equal(RunStatus.RequiresAction, run.Status);
        var toolStep = first.OfType<RunStepUpdate>().Last().Value;
        Assert.Equal(RunStepKind.ToolCall, toolStep.Kind);
        var details = Assert.IsType<RunStepDetailsUpdate>(first.Single(u => u.UpdateKind == RunStepUpdated));
        Assert.Equal(action.ToolCallId, details.ToolCallId);
        Assert.Equal("get_weather", details.FunctionName);

        var resumed = await StreamingUpdates.ToListAsync(_client.SubmitToolOutputsToRunStreamingAsync(thread.Id, run.Id, [new ToolOutput(action.ToolCallId, "sunny, 21 C")]));

        StreamingUpdates.AssertKinds(resumed, [RunStepCompleted, RunQueued, .. StreamingUpdates.TextReplyHead], StreamingUpdates.TextReplyTail);
        Assert.Equal("get_weather returned: sunny, 21 C", StreamingUpdates.Text(resumed));
        var completedToolStep = ((RunStepUpdate)resumed[0]).Value;
        Assert.Equal(toolStep.Id, completedToolStep.Id);
        Assert.Equal(RunStepStatus.Completed, completedToolStep.Status);
        var call = Assert.Single(completedToolStep.Details.ToolCalls);
        Assert.Equal("sunny, 21 C", call.FunctionOutput);
        Assert.All(resumed.OfType<RunUpdate>(), u => Assert.Equal(run.Id, u.Value.Id));
        Assert.Equal(RunStatus.Completed, resumed.OfType<RunUpdate>().Last().Value.Status);

        var steps = new List<RunStep>();
        await foreach (var s in _client.GetRunStepsAsync(thread.Id, run.Id, new RunStepCollectionOptions { Order = RunStepCollectionOrder.Ascending }))
            steps.Add(s);
        Assert.Equal([RunStepKind.ToolCall, RunStepKind.CreatedMessage], steps.Select(s => s.Kind));
        Assert.All(steps, s => Assert.Equal(RunStepStatus.Completed, s.Status));
    }
}
