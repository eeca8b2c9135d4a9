using System.Text.Json.Nodes;
using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// What the model provider receives for a run (seen by the fake upstream): the run's instructions, the
/// thread's messages in order, its sampling settings, its function tools and tool choice, its response
/// format, its completion token limit and its truncation strategy.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class UpstreamRequestTests
{
    private const string LookupParameters = """
        {"type":"object","properties":{"query":{"type":"string","description":"What to look up"},"limit":{"type":"integer"}},"required":["query"]}
        """;

    private readonly FakeProviderFixture _fake;

    public UpstreamRequestTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task InstructionsAndTheThreadMessagesInOrderAreTheChatMessages()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject { ["instructions"] = "You are terse." });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "first question"), ("assistant", "first answer"), ("user", "second question"));
        await http.PostOkAsync($"threads/{threadId}/messages", """{"role":"user","content":"and a follow-up"}""");

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject
        {
            ["additional_instructions"] = "Answer in French.",
            ["additional_messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "one more thing" }),
        });

        Assert.Equal(FakeProviderFixture.Model, request.Model);
        Assert.True(request.IsStreaming, "the model is not asked to stream: " + request.RawBody);
        Assert.Equal("Bearer k", request.Authorization);
        Assert.Equal(
            [
                ("system", "You are terse.\n\nAnswer in French."),
                ("user", "first question"),
                ("assistant", "first answer"),
                ("user", "second question"),
                ("user", "and a follow-up"),
                ("user", "one more thing"),
            ],
            Messages(request));
    }

    [Fact]
    public async Task TheAssistantsSettingsApplyWhenTheRunSetsNone()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject
        {
            ["instructions"] = "Assistant instructions.",
            ["temperature"] = 0.75,
            ["top_p"] = 0.5,
            ["response_format"] = new JsonObject { ["type"] = "json_object" },
        });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "reply in JSON"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId);

        Assert.Equal([("system", "Assistant instructions."), ("user", "reply in JSON")], Messages(request));
        AssertNumber(0.75, request.Body!["temperature"], "temperature");
        AssertNumber(0.5, request.Body!["top_p"], "top_p");
        Assert.Equal("json_object", (string?)request.Body!["response_format"]?["type"]);
    }

    [Fact]
    public async Task TheRunsSamplingSettingsAndCompletionLimitAreSent()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject { ["temperature"] = 1.5, ["top_p"] = 0.9 });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject
        {
            ["instructions"] = "Run instructions replace the assistant's.",
            ["temperature"] = 0.25,
            ["top_p"] = 0.5,
            ["max_completion_tokens"] = 300,
        });

        Assert.Equal([("system", "Run instructions replace the assistant's."), ("user", "hello")], Messages(request));
        AssertNumber(0.25, request.Body!["temperature"], "temperature");
        AssertNumber(0.5, request.Body!["top_p"], "top_p");
        var limit = request.Body!["max_completion_tokens"] ?? request.Body!["max_tokens"];
        Assert.True(limit is not null, "neither max_completion_tokens nor max_tokens was sent: " + request.RawBody);
        Assert.Equal(300, limit.GetValue<int>());
    }

    [Fact]
    public async Task FunctionToolsAreSentAsFunctionDefinitionsAndOtherToolsAreNot()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject
        {
            ["tools"] = new JsonArray(
                new JsonObject { ["type"] = "code_interpreter" },
                Function("lookup", "Looks things up", LookupParameters),
                Function("notify", null, null)),
        });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject { ["parallel_tool_calls"] = false });

        var tools = request.Body!["tools"]?.AsArray() ?? throw new Xunit.Sdk.XunitException("no tools sent: " + request.RawBody);
        Assert.Equal(2, tools.Count);
        Assert.All(tools, t => Assert.Equal("function", (string?)t!["type"]));
        var lookup = tools.Single(t => (string?)t!["function"]!["name"] == "lookup")!["function"]!;
        Assert.Equal("Looks things up", (string?)lookup["description"]);
        var expected = JsonNode.Parse(LookupParameters)!;
        Assert.Equal("object", (string?)lookup["parameters"]?["type"]);
        AssertJsonEqual(expected["properties"], lookup["parameters"]?["properties"], "lookup's parameters.properties");
        AssertJsonEqual(expected["required"], lookup["parameters"]?["required"], "lookup's parameters.required");
        var notify = tools.Single(t => (string?)t!["function"]!["name"] == "notify")!["function"]!;
        Assert.Equal("object", (string?)notify["parameters"]?["type"]);
        Assert.False(request.Body!["parallel_tool_calls"]?.GetValue<bool>() ?? true, "parallel_tool_calls false was not sent: " + request.RawBody);
    }

    [Fact]
    public async Task AFunctionsParametersSchemaIsSentAsDefined()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject
        {
            ["tools"] = new JsonArray(Function("lookup", "Looks things up", LookupParameters)),
        });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId);

        var sent = request.Body!["tools"]?[0]?["function"]?["parameters"];
        AssertJsonEqual(JsonNode.Parse(LookupParameters), sent, "lookup's parameters (the schema the assistant defined)");
    }

    [Fact]
    public async Task AStrictFunctionIsSentStrict()
    {
        using var http = _fake.CreateHttpClient();
        var strictParameters = """
            {"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}
            """;
        var tool = Function("lookup", "Looks things up", strictParameters);
        tool["function"]!["strict"] = true;
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject { ["tools"] = new JsonArray(tool) });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId);

        var sent = request.Body!["tools"]?[0]?["function"];
        AssertJsonEqual(JsonNode.Parse(strictParameters), sent?["parameters"], "lookup's parameters");
        Assert.True(sent?["strict"] is JsonValue strict && strict.GetValue<bool>(), "the function tool has strict: true, the provider was sent: " + sent?.ToJsonString());
    }

    [Theory]
    [InlineData("\"auto\"", "\"auto\"")]
    [InlineData("\"none\"", "\"none\"")]
    [InlineData("\"required\"", "\"required\"")]
    [InlineData("""{"type":"function","function":{"name":"lookup"}}""", """{"type":"function","function":{"name":"lookup"}}""")]
    public async Task ToolChoiceIsSentAsGiven(string runToolChoice, string expected)
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject
        {
            ["tools"] = new JsonArray(Function("lookup", "Looks things up", LookupParameters), Function("notify", null, null)),
        });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject { ["tool_choice"] = JsonNode.Parse(runToolChoice) });

        var sent = request.Body!["tool_choice"];
        if (expected == "\"auto\"" && sent is null)
            return; // auto is the upstream's default
        AssertJsonEqual(JsonNode.Parse(expected), sent, "tool_choice");
        Assert.Equal(2, request.Body!["tools"]?.AsArray().Count);
    }

    [Fact]
    public async Task AJsonSchemaResponseFormatIsSentWithItsNameSchemaAndStrictness()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));
        var schema = JsonNode.Parse("""
            {"type":"object","properties":{"answer":{"type":"string"},"confidence":{"type":"number"}},"required":["answer","confidence"],"additionalProperties":false}
            """)!;

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject
        {
            ["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "answer_with_confidence", ["description"] = "An answer", ["schema"] = schema.DeepClone(), ["strict"] = true },
            },
        });

        var format = request.Body!["response_format"] ?? throw new Xunit.Sdk.XunitException("no response_format sent: " + request.RawBody);
        Assert.Equal("json_schema", (string?)format["type"]);
        var jsonSchema = format["json_schema"]!;
        Assert.Equal("answer_with_confidence", (string?)jsonSchema["name"]);
        AssertJsonEqual(schema, jsonSchema["schema"], "json_schema.schema");
        Assert.True(jsonSchema["strict"] is JsonValue strict && strict.GetValue<bool>(),
            "the run asked for strict: true, the provider was sent: " + format.ToJsonString());
    }

    [Fact]
    public async Task LastMessagesTruncationSendsOnlyTheLastNMessages()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http, new JsonObject { ["instructions"] = "Keep me." });
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "m1"), ("assistant", "m2"), ("user", "m3"), ("assistant", "m4"), ("user", "m5"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject
        {
            ["truncation_strategy"] = new JsonObject { ["type"] = "last_messages", ["last_messages"] = 2 },
        });

        Assert.Equal([("system", "Keep me."), ("assistant", "m4"), ("user", "m5")], Messages(request));
    }

    [Fact]
    public async Task AutoTruncationSendsTheWholeThread()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "m1"), ("assistant", "m2"), ("user", "m3"));

        var request = await RunAndGetRequestAsync(http, threadId, assistantId, new JsonObject
        {
            ["truncation_strategy"] = new JsonObject { ["type"] = "auto", ["last_messages"] = null },
        });

        Assert.Equal([("user", "m1"), ("assistant", "m2"), ("user", "m3")], Messages(request));
    }

    /// <summary>Runs to completion on the default (echo) answer and returns the one request the upstream received.</summary>
    private async Task<RecordedRequest> RunAndGetRequestAsync(HttpClient http, string threadId, string assistantId, JsonObject? fields = null)
    {
        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId, fields);
        var done = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!);
        Assert.True((string?)done["status"] == "completed", $"run ended {done.ToJsonString()}\n{_fake.Log()}");
        var requests = _fake.ChatRequests();
        Assert.True(requests.Count == 1, $"the upstream received {requests.Count} chat requests:\n{string.Join("\n", requests)}");
        Assert.NotNull(requests[0].Body);
        return requests[0];
    }

    /// <summary>The chat messages as (role, text); a <c>developer</c> message counts as <c>system</c>.</summary>
    private static List<(string, string)> Messages(RecordedRequest request) =>
        request.Messages.Select(m => ((string?)m!["role"] == "developer" ? "system" : (string)m!["role"]!, FakeProviderFixture.ContentText(m) ?? "")).ToList();

    private static JsonObject Function(string name, string? description, string? parameters)
    {
        var function = new JsonObject { ["name"] = name };
        if (description is not null)
            function["description"] = description;
        if (parameters is not null)
            function["parameters"] = JsonNode.Parse(parameters);
        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    private static void AssertNumber(double expected, JsonNode? actual, string what)
    {
        Assert.True(actual is JsonValue, $"{what} was not sent");
        Assert.Equal(expected, actual.GetValue<double>(), 6);
    }

    private static void AssertJsonEqual(JsonNode? expected, JsonNode? actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what}: expected {expected?.ToJsonString()}, sent {actual?.ToJsonString() ?? "nothing"}");
}
