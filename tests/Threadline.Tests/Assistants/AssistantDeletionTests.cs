using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Assistants;

/// <summary>Deleting an assistant keeps the history it made: past runs, their steps and replies stay readable.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class AssistantDeletionTests(SharedServerFixture server)
{
    [Fact]
    public async Task PastRunsOfADeletedAssistantStayReadable()
    {
        using var http = server.CreateHttpClient();
        var s = await Scenario.CompletedRunAsync(http, "remember me");

        var deleted = (await http.DeleteRawAsync($"assistants/{s.AssistantId}")).AssertOk("DeleteAssistantResponse");

        Assert.Equal(s.AssistantId, (string?)deleted["id"]);
        (await http.GetRawAsync($"assistants/{s.AssistantId}")).AssertError(404, $"No assistant found with id '{s.AssistantId}'.");
        var run = (await http.GetRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}")).AssertOk("RunObject");
        Assert.Equal("completed", (string?)run["status"]);
        Assert.Equal(s.AssistantId, (string?)run["assistant_id"]);
        var runs = (await http.GetRawAsync($"threads/{s.ThreadId}/runs")).AssertOk("ListRunsResponse");
        Assert.Equal([s.RunId], runs.Ids());
        var steps = (await http.GetRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}/steps")).AssertOk("ListRunStepsResponse");
        Assert.Equal([s.StepId], steps.Ids());
        (await http.GetRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}/steps/{s.StepId}")).AssertOk("RunStepObject");
        var reply = (await http.GetRawAsync($"threads/{s.ThreadId}/messages/{s.ReplyId}")).AssertOk("MessageObject");
        Assert.Equal(s.AssistantId, (string?)reply["assistant_id"]);
        Assert.Equal("remember me", (string?)reply["content"]![0]!["text"]!["value"]);
        // The run's metadata can still be changed; a new run of the deleted assistant cannot be made.
        (await http.PostRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}", """{"metadata":{"audited":"yes"}}""")).AssertOk("RunObject");
        (await http.PostRawAsync($"threads/{s.ThreadId}/runs", $$"""{"assistant_id":"{{s.AssistantId}}"}"""))
            .AssertError(404, $"No assistant found with id '{s.AssistantId}'.");
    }
}
