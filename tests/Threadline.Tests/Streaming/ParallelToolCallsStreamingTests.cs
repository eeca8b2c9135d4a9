using System.Text.Json.Nodes;
using OpenAI.Assistants;
using Threadline.FakeUpstream;
using Threadline.Tests.Models;
using Xunit;
using static OpenAI.Assistants.StreamingUpdateReason;

namespace Threadline.Tests.Streaming;

/// <summary>
/// A full function-calling round trip through the official SDK's streaming methods, with a real model
/// provider (the fake upstream) asking for two calls at once: both arrive as required actions, both
/// outputs go back in one submit, and the model's next request carries the calls and their outputs.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class ParallelToolCallsStreamingTests
{
    private readonly FakeProviderFixture _fake;

    public ParallelToolCallsStreamingTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task TwoParallelCallsAreAskedForAndTheirOutputsReachTheModel()
    {
        _fake.Upstream.Enqueue(FakeBehavior.CallTools(
            new FakeToolCall("get_weather", """{"city":"Paris"}"""),
            new FakeToolCall("get_time", """{"timezone":"Europe/Paris"}""")));
        _fake.Upstream.Enqueue(FakeBehavior.Text("In Paris it is", " sunny", " and noon."));
        var client = _fake.CreateAssistantClient();
        Assistant assistant = await client.CreateAssistantAsync(FakeProviderFixture.Model, new AssistantCreationOptions
        {
            Tools =
            {
                ToolDefinition.CreateFunction("get_weather", "The weather in a city",
                    BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")),
                ToolDefinition.CreateFunction("get_time", "The time in a timezone",
                    BinaryData.FromString("""{"type":"object","properties":{"timezone":{"type":"string"}},"required":["timezone"]}""")),
            },
        });
        AssistantThread thread = await client.CreateThreadAsync();
        await client.CreateMessageAsync(thread.Id, MessageRole.User, ["What is the weather and the time in Paris?"]);

        var first = await StreamingUpdates.ToListAsync(client.CreateRunStreamingAsync(thread.Id, assistant.Id));

        var kinds = StreamingUpdates.Kinds(first);
        Assert.True(kinds.SequenceEqual([RunCreated, RunQueued, RunInProgress, RunStepCreated, RunStepInProgress, RunStepUpdated, RunStepUpdated, RunRequiresAction, RunRequiresAction]),
            StreamingUpdates.Describe(kinds));
        var actions = first.OfType<RequiredActionUpdate>().ToList();
        Assert.Equal(["get_weather", "get_time"], actions.Select(a => a.FunctionName));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city":"Paris"}"""), JsonNode.Parse(actions[0].FunctionArguments)), actions[0].FunctionArguments);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"timezone":"Europe/Paris"}"""), JsonNode.Parse(actions[1].FunctionArguments)), actions[1].FunctionArguments);
        Assert.All(actions, a => Assert.StartsWith("call_", a.ToolCallId));
        Assert.NotEqual(actions[0].ToolCallId, actions[1].ToolCallId);
        var run = actions[0].GetThreadRun();
        Assert.Equal(RunStatus.RequiresAction, run.Status);
        Assert.Equal(2, run.RequiredActions.Count);
        Assert.Equal(actions.Select(a => a.ToolCallId), first.OfType<RunStepDetailsUpdate>().Select(d => d.ToolCallId));

        var resumed = await StreamingUpdates.ToListAsync(client.SubmitToolOutputsToRunStreamingAsync(thread.Id, run.Id,
            [new ToolOutput(actions[0].ToolCallId, "sunny, 24 C"), new ToolOutput(actions[1].ToolCallId, "12:00")]));

        StreamingUpdates.AssertKinds(resumed, [RunStepCompleted, RunQueued, .. StreamingUpdates.TextReplyHead], StreamingUpdates.TextReplyTail);
        Assert.Equal("In Paris it is sunny and noon.", StreamingUpdates.Text(resumed));
        var toolStep = ((RunStepUpdate)resumed[0]).Value;
        Assert.Equal(RunStepKind.ToolCall, toolStep.Kind);
        Assert.Equal(["sunny, 24 C", "12:00"], toolStep.Details.ToolCalls.Select(c => c.FunctionOutput));
        Assert.Equal(RunStatus.Completed, resumed.OfType<RunUpdate>().Last().Value.Status);

        // What the model was sent: first the question and the two tools, then the calls and their outputs.
        var requests = _fake.ChatRequests();
        Assert.True(requests.Count == 2, $"the upstream received {requests.Count} requests:\n{string.Join("\n", requests)}");
        var tools = requests[0].Body!["tools"]!.AsArray();
        Assert.Equal(["get_weather", "get_time"], tools.Select(t => (string?)t!["function"]!["name"]));
        Assert.True(requests[0].Body!["parallel_tool_calls"]?.GetValue<bool>() != false, "parallel tool calls were turned off: " + requests[0].RawBody);

        var messages = requests[1].Messages;
        Assert.True(messages.Count == 4, "second request's messages: " + new JsonArray(messages.Select(m => m?.DeepClone()).ToArray()).ToJsonString());
        Assert.Equal("user", (string?)messages[0]!["role"]);
        Assert.Equal("What is the weather and the time in Paris?", FakeProviderFixture.ContentText(messages[0]));
        var assistantTurn = messages[1]!;
        Assert.Equal("assistant", (string?)assistantTurn["role"]);
        var calls = assistantTurn["tool_calls"]!.AsArray();
        Assert.Equal(2, calls.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(actions[i].ToolCallId, (string?)calls[i]!["id"]);
            Assert.Equal("function", (string?)calls[i]!["type"]);
            Assert.Equal(actions[i].FunctionName, (string?)calls[i]!["function"]!["name"]);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(actions[i].FunctionArguments), JsonNode.Parse((string)calls[i]!["function"]!["arguments"]!)),
                $"call {i} arguments sent back: {calls[i]!["function"]!["arguments"]}");
        }
        var outputs = messages.Skip(2).ToList();
        Assert.All(outputs, m => Assert.Equal("tool", (string?)m!["role"]));
        Assert.Equal([(actions[0].ToolCallId, "sunny, 24 C"), (actions[1].ToolCallId, "12:00")],
            outputs.Select(m => ((string)m!["tool_call_id"]!, FakeProviderFixture.ContentText(m) ?? "")));
    }
}
