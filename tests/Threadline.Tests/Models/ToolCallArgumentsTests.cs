using System.Text.Json.Nodes;
using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// A function call's <c>arguments</c> is a string the model wrote, and the hosted API handed it over as it
/// was: the caller parses it (and must cope with a model that wrote invalid JSON). The run's
/// <c>required_action</c> and its <c>tool_calls</c> step carry that text exactly, neither re-serialized
/// (<c>1.50</c> is not <c>1.5</c>, an escape stays an escape, spacing stays) nor replaced when it does not parse.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class ToolCallArgumentsTests
{
    private readonly FakeProviderFixture _fake;

    public ToolCallArgumentsTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    public static TheoryData<string> Arguments =>
    [
        """{"amount": 1.50, "note":"a\u00e9"}""",
        """{"a": 1,""",
    ];

    [Theory]
    [MemberData(nameof(Arguments))]
    public async Task The_arguments_text_reaches_required_action_and_the_step_as_the_model_wrote_it(string arguments)
    {
        _fake.Upstream.Enqueue(FakeBehavior.CallTools(new FakeToolCall("lookup", arguments)));
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject
        {
            ["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}]"""),
        });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "look it up"));
        var runId = (string)(await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId))["id"]!;

        var run = await RunWaiter.UntilAsync(http, threadId, runId, r => (string?)r["status"] is not ("queued" or "in_progress"), "requires_action or an end");
        try
        {
            Assert.True((string?)run["status"] == "requires_action", $"the run ended {run.ToJsonString()}\n{_fake.Log()}");
            var call = run["required_action"]!["submit_tool_outputs"]!["tool_calls"]![0]!;
            Assert.Equal("lookup", (string?)call["function"]!["name"]);
            Assert.Equal(arguments, (string?)call["function"]!["arguments"]);

            var steps = (await http.GetOkAsync($"threads/{threadId}/runs/{runId}/steps"))["data"]!.AsArray();
            var step = steps.Single(s => (string?)s!["type"] == "tool_calls")!;
            var stepCall = step["step_details"]!["tool_calls"]![0]!;
            Assert.Equal((string?)call["id"], (string?)stepCall["id"]);
            Assert.Equal(arguments, (string?)stepCall["function"]!["arguments"]);
        }
        finally
        {
            await http.PostRawAsync($"threads/{threadId}/runs/{runId}/cancel", "{}");
        }
    }
}
