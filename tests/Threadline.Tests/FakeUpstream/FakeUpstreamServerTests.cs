using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using Threadline.FakeUpstream;
using Xunit;

namespace Threadline.Tests.FakeUpstream;

/// <summary>The fake upstream, checked with the official OpenAI SDK's <see cref="ChatClient"/> (retries off).</summary>
public sealed class FakeUpstreamServerTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstreamServer.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private ChatClient Client(string model = "gpt-4o-mini", TimeSpan? networkTimeout = null)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = _upstream.BaseUrl,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        if (networkTimeout is not null)
        {
            options.NetworkTimeout = networkTimeout;
        }

        return new ChatClient(model, new ApiKeyCredential("sk-fake"), options);
    }

    [Fact]
    public async Task Whole_completion_says_the_scripted_tokens_then_echoes_by_default()
    {
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/v1/$", _upstream.BaseUrl.ToString());
        _upstream.Enqueue(FakeBehavior.Text("Hello", " there"));
        var client = Client();

        ChatCompletion scripted = await client.CompleteChatAsync([new UserChatMessage("ignored")]);
        ChatCompletion echoed = await client.CompleteChatAsync([new SystemChatMessage("be brief"), new UserChatMessage("say it back")]);

        Assert.Equal("Hello there", Assert.Single(scripted.Content).Text);
        Assert.Equal(ChatFinishReason.Stop, scripted.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, scripted.Role);
        Assert.Equal(2, scripted.Usage.OutputTokenCount);
        Assert.True(scripted.Usage.InputTokenCount > 0);
        Assert.Equal(scripted.Usage.InputTokenCount + 2, scripted.Usage.TotalTokenCount);
        Assert.Equal("gpt-4o-mini", scripted.Model);
        Assert.StartsWith("chatcmpl-", scripted.Id);
        Assert.Equal("say it back", Assert.Single(echoed.Content).Text);
        Assert.Equal(3, echoed.Usage.OutputTokenCount);

        Assert.Equal(2, _upstream.Requests.Count);
        var first = _upstream.Requests[0];
        Assert.Equal("POST", first.Method);
        Assert.Equal("/v1/chat/completions", first.Path);
        Assert.Equal("Bearer sk-fake", first.Authorization);
        Assert.Equal("gpt-4o-mini", first.Model);
        Assert.False(first.IsStreaming);
        Assert.Equal("ignored", first.LastUserText);
        Assert.Equal(FakeBehavior.Text("Hello", " there").Tokens, first.Behavior?.Tokens);
    }

    [Fact]
    public async Task Streamed_text_arrives_token_by_token_with_usage_last()
    {
        _upstream.Enqueue(new FakeBehavior { Tokens = ["One", " two", " three"], TokenIntervalMs = 5 });

        var pieces = new List<string>();
        var finishReasons = new List<ChatFinishReason>();
        ChatTokenUsage? usage = null;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("count")]))
        {
            pieces.AddRange(update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0));
            if (update.FinishReason is { } reason)
            {
                finishReasons.Add(reason);
            }

            usage ??= update.Usage;
        }

        Assert.Equal(["One", " two", " three"], pieces);
        Assert.Equal([ChatFinishReason.Stop], finishReasons);
        Assert.NotNull(usage);
        Assert.Equal(3, usage.OutputTokenCount);
        Assert.True(usage.InputTokenCount > 0);

        var request = Assert.Single(_upstream.Requests);
        Assert.True(request.IsStreaming);
        Assert.True(request.Body?["stream_options"]?["include_usage"]?.GetValue<bool>());
    }

    [Fact]
    public async Task Token_count_streams_numbered_tokens()
    {
        _upstream.Default = new FakeBehavior { TokenCount = 4 };

        var text = new StringBuilder();
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("x")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("tok0 tok1 tok2 tok3", text.ToString());
    }

    [Fact]
    public async Task Streamed_tool_call_is_parsed_with_its_name_and_whole_arguments()
    {
        const string arguments = """{"city":"Paris","unit":"celsius","days":[1,2,3]}""";
        _upstream.Enqueue(FakeBehavior.CallTools(new FakeToolCall("get_weather", arguments), new FakeToolCall("get_time")));
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")),
                ChatTool.CreateFunctionTool("get_time", "Time"),
            },
        };

        var ids = new Dictionary<int, string>();
        var names = new Dictionary<int, string>();
        var args = new Dictionary<int, StringBuilder>();
        ChatFinishReason? finish = null;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("weather?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.ToolCallId is { } id)
                {
                    ids[call.Index] = id;
                }

                if (call.FunctionName is { } name)
                {
                    names[call.Index] = name;
                }

                if (!args.TryGetValue(call.Index, out var builder))
                {
                    args[call.Index] = builder = new StringBuilder();
                }

                builder.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(2, ids.Count);
        Assert.All(ids.Values, id => Assert.StartsWith("call_", id));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal("get_weather", names[0]);
        Assert.Equal(arguments, args[0].ToString());
        Assert.Equal("get_time", names[1]);
        Assert.Equal("{}", args[1].ToString());
        Assert.NotNull(Assert.Single(_upstream.Requests).Body?["tools"]);
    }

    [Fact]
    public async Task Whole_completion_with_a_tool_call()
    {
        _upstream.Enqueue(FakeBehavior.CallTools(new FakeToolCall("lookup", """{"q":"x"}""")));

        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("find x")]);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal("lookup", call.FunctionName);
        Assert.Equal("""{"q":"x"}""", call.FunctionArguments.ToString());
    }

    [Fact]
    public async Task Status_429_with_Retry_After_surfaces_as_ClientResultException()
    {
        _upstream.Enqueue(FakeBehavior.Fail(FakeFault.Status(429, retryAfterSeconds: "7")));

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(429, error.Status);
        var response = error.GetRawResponse();
        Assert.NotNull(response);
        Assert.True(response.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("7", retryAfter);
        Assert.Contains("rate_limit_exceeded", response.Content.ToString());
        Assert.Single(_upstream.Requests);

        // The queue is used up: the next request succeeds.
        ChatCompletion next = await Client().CompleteChatAsync([new UserChatMessage("again")]);
        Assert.Equal("again", next.Content[0].Text);
    }

    [Fact]
    public async Task Cut_stream_throws_during_enumeration_after_the_tokens_it_sent()
    {
        _upstream.Enqueue(new FakeBehavior { Tokens = ["a", " b", " c", " d"], Fault = FakeFault.CutStreamAfterTokens(2) });

        var pieces = new List<string>();
        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("hi")]))
            {
                pieces.AddRange(update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0));
            }
        });

        Assert.NotNull(error);
        Assert.IsNotType<ClientResultException>(error);
        Assert.Equal(["a", " b"], pieces);
    }

    [Fact]
    public async Task Hang_is_cut_by_the_client_network_timeout()
    {
        _upstream.Enqueue(FakeBehavior.Fail(FakeFault.Hang));
        var client = Client(networkTimeout: TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        var error = await Record.ExceptionAsync(() => client.CompleteChatAsync([new UserChatMessage("hi")]));
        clock.Stop();

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Single(_upstream.Requests);
    }

    [Fact]
    public async Task Hanging_request_does_not_hold_up_the_server_stopping()
    {
        var upstream = await FakeUpstreamServer.StartAsync();
        upstream.Default = FakeBehavior.Fail(FakeFault.Hang);
        using var http = new HttpClient { BaseAddress = upstream.BaseUrl };
        var pending = http.PostAsync("chat/completions", new StringContent("""{"model":"m","messages":[]}""", Encoding.UTF8, "application/json"));
        await upstream.WaitForRequestAsync(r => r.Path == "/v1/chat/completions", TimeSpan.FromSeconds(5));

        var clock = Stopwatch.StartNew();
        await upstream.DisposeAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {clock.Elapsed}");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending);
    }

    [Fact]
    public async Task Selector_chooses_by_model_and_the_queue_comes_first()
    {
        _upstream.Selector = request => request["model"]?.GetValue<string>() == "fake-slow"
            ? new FakeBehavior { Tokens = ["slow"], LatencyMs = 50 }
            : null;
        _upstream.Enqueue(FakeBehavior.Text("queued"));

        ChatCompletion queued = await Client("fake-slow").CompleteChatAsync([new UserChatMessage("a")]);
        ChatCompletion selected = await Client("fake-slow").CompleteChatAsync([new UserChatMessage("b")]);
        ChatCompletion fallback = await Client("gpt-4o").CompleteChatAsync([new UserChatMessage("c")]);

        Assert.Equal("queued", queued.Content[0].Text);
        Assert.Equal("slow", selected.Content[0].Text);
        Assert.Equal("c", fallback.Content[0].Text);

        _upstream.Reset();
        Assert.Empty(_upstream.Requests);
        Assert.Null(_upstream.Selector);
        ChatCompletion afterReset = await Client("fake-slow").CompleteChatAsync([new UserChatMessage("d")]);
        Assert.Equal("d", afterReset.Content[0].Text);
        Assert.Equal(1, Assert.Single(_upstream.Requests).Sequence);
    }

    [Fact]
    public async Task Models_are_listed_and_unknown_routes_get_the_error_envelope()
    {
        using var http = new HttpClient { BaseAddress = _upstream.BaseUrl };

        var models = JsonNode.Parse(await http.GetStringAsync("models"))!;
        var missing = await http.GetAsync("no/such/route");
        var error = JsonNode.Parse(await missing.Content.ReadAsStringAsync())!;

        Assert.Equal("list", models["object"]!.GetValue<string>());
        Assert.Contains("gpt-4o-mini", models["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("invalid_request_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Contains("/v1/no/such/route", error["error"]!["message"]!.GetValue<string>());
        Assert.Equal(2, _upstream.Requests.Count);
    }

    [Fact]
    public async Task WaitForRequest_sees_requests_already_received_and_still_to_come()
    {
        using var http = new HttpClient { BaseAddress = _upstream.BaseUrl };
        await http.GetAsync("models");

        var past = await _upstream.WaitForRequestAsync(r => r.Path == "/v1/models", TimeSpan.FromSeconds(1));
        var future = _upstream.WaitForRequestAsync(r => r.Model == "later", TimeSpan.FromSeconds(5));
        Assert.False(future.IsCompleted);
        await Client("later").CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal(1, past.Sequence);
        Assert.Equal(2, (await future).Sequence);
        await Assert.ThrowsAsync<TimeoutException>(() => _upstream.WaitForRequestAsync(r => r.Model == "never", TimeSpan.FromMilliseconds(50)));
    }
}
