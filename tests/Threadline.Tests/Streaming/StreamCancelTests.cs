using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;
using static OpenAI.Assistants.StreamingUpdateReason;

namespace Threadline.Tests.Streaming;

/// <summary>Cancelling a run while its reply streams (SDK, model <c>echo:3000</c>).</summary>
[Collection(SharedServerCollection.Name)]
public sealed class StreamCancelTests(SharedServerFixture server)
{
    private const string Text = "one two three four five six seven eight";

    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task CancelAfterTheFirstDeltaEndsTheStreamCancelledWithAnIncompleteReply()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo:3000");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, [Text]);

        var updates = new List<StreamingUpdate>();
        string? runId = null;
        ThreadRun? cancelAnswer = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = await _client.CreateRunStreamingAsync(thread.Id, assistant.Id);
        await foreach (var update in stream.WithCancellation(timeout.Token))
        {
            updates.Add(update);
            runId ??= (update as RunUpdate)?.Value.Id;
            if (update.UpdateKind == MessageUpdated && cancelAnswer is null)
            {
                cancelAnswer = await _client.CancelRunAsync(thread.Id, runId!);
            }
        }

        Assert.NotNull(cancelAnswer);
        Assert.True(cancelAnswer.Status == RunStatus.Cancelling || cancelAnswer.Status == RunStatus.Cancelled, $"cancel answered {cancelAnswer.Status}");
        var kinds = StreamingUpdates.Kinds(updates);
        var withoutDeltas = kinds.Where(k => k != MessageUpdated).ToList();
        StreamingUpdateReason[] expected =
        [
            RunCreated, RunQueued, RunInProgress, RunStepCreated, RunStepInProgress, MessageCreated, MessageInProgress,
            RunCancelling, MessageFailed, RunStepCancelled, RunCancelled,
        ];
        Assert.True(expected.SequenceEqual(withoutDeltas), $"expected (deltas aside) {StreamingUpdates.Describe(expected)}\n  actual {StreamingUpdates.Describe(kinds)}");

        var partial = StreamingUpdates.Text(updates);
        Assert.NotEmpty(partial);
        Assert.True(partial.Length < Text.Length && Text.StartsWith(partial, StringComparison.Ordinal), $"partial text '{partial}'");

        ThreadRun run = await _client.GetRunAsync(thread.Id, runId!);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.NotNull(run.CancelledAt);
        var replyId = updates.OfType<MessageStatusUpdate>().First().Value.Id;
        ThreadMessage reply = await _client.GetMessageAsync(thread.Id, replyId);
        Assert.Equal(MessageStatus.Incomplete, reply.Status);
        Assert.Equal(MessageFailureReason.RunCancelled, reply.IncompleteDetails?.Reason);
        Assert.NotNull(reply.IncompleteAt);
        Assert.Equal(partial, Assert.Single(reply.Content).Text);
        var steps = new List<RunStep>();
        await foreach (var step in _client.GetRunStepsAsync(thread.Id, runId!))
            steps.Add(step);
        Assert.Equal(RunStepStatus.Cancelled, Assert.Single(steps).Status);
    }
}
