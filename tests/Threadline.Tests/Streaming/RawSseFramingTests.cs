using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Streaming;

/// <summary>
/// The bytes on the wire of run streams (raw <see cref="HttpClient"/>, model <c>echo</c>), frame for frame
/// against the streaming examples of the spec's <c>x-oaiMeta</c>: strict <c>event: &lt;name&gt;\ndata: &lt;json&gt;\n\n</c>
/// framing, the example's event names in the example's order, the closing <c>done</c>, and every data object
/// valid against the spec schema of its object.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class RawSseFramingTests(SharedServerFixture server)
{
    private const string CreateRunPath = "/threads/{thread_id}/runs";
    private const string CreateThreadAndRunPath = "/threads/runs";
    private const string SubmitToolOutputsPath = "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs";

    // The reply of the spec's example; echo says it back.
    private const string Text = "Hello! How can I assist you today?";

    private const string WeatherTool = """
        {"type":"function","function":{"name":"get_current_weather","description":"Get the current weather in a given location",
         "parameters":{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}}}
        """;

    [Fact]
    public async Task CreateRunStreamIsFramedLikeTheSpecExample()
    {
        using var http = server.CreateHttpClient();
        var assistantId = await AssistantAsync(http, "[]");
        var threadId = (string)(await http.PostOkAsync("threads", Json(new { messages = new[] { new { role = "user", content = Text } } })))["id"]!;

        var (response, body) = await Sse.PostAndReadAllAsync(http, $"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}","stream":true}""");

        var frames = AssertEventStream(response, body);
        Assert.Equal(SpecStreamingExample.EventNames(CreateRunPath, "post", "Streaming"), Sse.CollapseDeltas(frames.Select(f => f.Event)));
        Sse.AssertFramesMatchSpec(frames);
        Sse.AssertStatusesMatchNames(frames);
        Sse.AssertLikeExample(frames, SpecStreamingExample.Frames(CreateRunPath, "post", "Streaming"));

        var runId = (string)frames[0].Json["id"]!;
        AssertOneRunOneReply(frames, threadId, runId, Text);
        var stored = await http.GetOkAsync($"threads/{threadId}/runs/{runId}");
        Assert.Equal("completed", (string?)stored["status"]);
        Assert.Equal(stored["usage"]!.ToJsonString(), frames[^2].Json["usage"]!.ToJsonString());
    }

    [Fact]
    public async Task CreateThreadAndRunStreamIsFramedLikeTheSpecExample()
    {
        using var http = server.CreateHttpClient();
        var assistantId = await AssistantAsync(http, "[]");

        var (response, body) = await Sse.PostAndReadAllAsync(http, "threads/runs",
            Json(new { assistant_id = assistantId, stream = true, thread = new { messages = new[] { new { role = "user", content = Text } } } }));

        var frames = AssertEventStream(response, body);
        Assert.Equal(SpecStreamingExample.EventNames(CreateThreadAndRunPath, "post", "Streaming"), Sse.CollapseDeltas(frames.Select(f => f.Event)));
        Sse.AssertFramesMatchSpec(frames);
        Sse.AssertStatusesMatchNames(frames);
        Sse.AssertLikeExample(frames, SpecStreamingExample.Frames(CreateThreadAndRunPath, "post", "Streaming"));

        var threadId = (string)frames[0].Json["id"]!;
        Assert.Equal("thread", (string?)frames[0].Json["object"]);
        await http.GetOkAsync($"threads/{threadId}");
        AssertOneRunOneReply(frames.Skip(1).ToList(), threadId, (string)frames[1].Json["id"]!, Text);
    }

    [Fact]
    public async Task ToolCallStreamAndSubmitToolOutputsStreamAreFramedLikeTheSpecExamples()
    {
        using var http = server.CreateHttpClient();
        var assistantId = await AssistantAsync(http, $"[{WeatherTool}]");
        const string arguments = """{"location":"San Francisco, CA","unit":"fahrenheit"}""";

        var (response, body) = await Sse.PostAndReadAllAsync(http, "threads/runs",
            Json(new { assistant_id = assistantId, stream = true, thread = new { messages = new[] { new { role = "user", content = "call:get_current_weather " + arguments } } } }));

        var frames = AssertEventStream(response, body);
        Assert.Equal(SpecStreamingExample.EventNames(CreateThreadAndRunPath, "post", "Streaming with Functions"), Sse.CollapseDeltas(frames.Select(f => f.Event)));
        Sse.AssertFramesMatchSpec(frames);
        Sse.AssertStatusesMatchNames(frames);
        Sse.AssertLikeExample(frames, SpecStreamingExample.Frames(CreateThreadAndRunPath, "post", "Streaming with Functions"));

        var threadId = (string)frames[0].Json["id"]!;
        var requiresAction = frames[^2].Json;
        var runId = (string)requiresAction["id"]!;
        var call = requiresAction["required_action"]!["submit_tool_outputs"]!["tool_calls"]!.AsArray().Single()!;
        Assert.StartsWith("call_", (string?)call["id"]);
        Assert.Equal("get_current_weather", (string?)call["function"]!["name"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(arguments), JsonNode.Parse((string)call["function"]!["arguments"]!)), $"arguments {call["function"]!["arguments"]}");
        var stepDeltaCalls = frames.Where(f => f.Event == "thread.run.step.delta")
            .SelectMany(f => f.Json["delta"]!["step_details"]!["tool_calls"]!.AsArray()).ToList();
        Assert.Contains(stepDeltaCalls, c => (string?)c!["id"] == (string?)call["id"]);

        var (submitResponse, submitBody) = await Sse.PostAndReadAllAsync(http, $"threads/{threadId}/runs/{runId}/submit_tool_outputs",
            Json(new { tool_outputs = new[] { new { tool_call_id = (string)call["id"]!, output = "70 degrees and sunny." } }, stream = true }));

        var resumed = AssertEventStream(submitResponse, submitBody);
        Assert.Equal(SpecStreamingExample.EventNames(SubmitToolOutputsPath, "post", "Streaming"), Sse.CollapseDeltas(resumed.Select(f => f.Event)));
        Sse.AssertFramesMatchSpec(resumed);
        Sse.AssertStatusesMatchNames(resumed);
        Sse.AssertLikeExample(resumed, SpecStreamingExample.Frames(SubmitToolOutputsPath, "post", "Streaming"));
        var toolStep = resumed[0].Json;
        Assert.Equal("tool_calls", (string?)toolStep["type"]);
        Assert.Equal("70 degrees and sunny.", (string?)toolStep["step_details"]!["tool_calls"]![0]!["function"]!["output"]);
        AssertOneRunOneReply(resumed.Skip(1).ToList(), threadId, runId, "get_current_weather returned: 70 degrees and sunny.");
    }

    private static List<SseFrame> AssertEventStream(HttpResponseMessage response, string body)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"status {(int)response.StatusCode}: {body}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(Sse.Done, body, StringComparison.Ordinal);
        return Sse.ParseStrict(body);
    }

    /// <summary>Every run event is the run, every step event its one step, every message event its one reply with the expected text.</summary>
    private static void AssertOneRunOneReply(IReadOnlyList<SseFrame> frames, string threadId, string runId, string text)
    {
        var messageIds = new HashSet<string>();
        foreach (var frame in frames.Where(f => f.Event != "done"))
        {
            var data = frame.Json;
            switch ((string?)data["object"])
            {
                case "thread.run":
                    Assert.Equal(runId, (string?)data["id"]);
                    Assert.Equal(threadId, (string?)data["thread_id"]);
                    break;
                case "thread.run.step":
                    Assert.Equal(runId, (string?)data["run_id"]);
                    Assert.Equal(threadId, (string?)data["thread_id"]);
                    if ((string?)data["type"] == "message_creation")
                        messageIds.Add((string)data["step_details"]!["message_creation"]!["message_id"]!);
                    break;
                case "thread.message":
                    Assert.Equal(runId, (string?)data["run_id"]);
                    Assert.Equal("assistant", (string?)data["role"]);
                    messageIds.Add((string)data["id"]!);
                    break;
                case "thread.message.delta":
                    messageIds.Add((string)data["id"]!);
                    break;
            }
        }
        Assert.Single(messageIds);
        Assert.Equal(text, Sse.DeltaText(frames));
        var completed = frames.Single(f => f.Event == "thread.message.completed").Json;
        Assert.Equal(text, (string?)completed["content"]![0]!["text"]!["value"]);
    }

    private static async Task<string> AssistantAsync(HttpClient http, string tools) =>
        (string)(await http.PostOkAsync("assistants", $$"""{"model":"echo","tools":{{tools}}}"""))["id"]!;

    private static string Json(object value) => JsonSerializer.Serialize(value);
}
