using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using Threadline.FakeUpstream;
using Xunit;

namespace Threadline.Tests.FakeUpstream;

/// <summary>The fake upstream as Threadline sees it: through Microsoft.Extensions.AI's OpenAI adapter.</summary>
public sealed class FakeUpstreamExtensionsAiTests
{
    [Fact]
    public async Task Adapter_reads_streamed_text_usage_and_tool_calls()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync();
        upstream.Enqueue(FakeBehavior.Text("Hi", " you"));
        upstream.Enqueue(FakeBehavior.CallTools(new FakeToolCall("add", """{"a":1,"b":2}""")));
        using var chat = new OpenAI.Chat.ChatClient("gpt-4o-mini", new ApiKeyCredential("sk-fake"), new OpenAIClientOptions
        {
            Endpoint = upstream.BaseUrl,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).AsIChatClient();

        var text = await chat.GetStreamingResponseAsync("hello").ToChatResponseAsync();
        var tools = await chat.GetStreamingResponseAsync("add", new ChatOptions
        {
            Tools = [AIFunctionFactory.Create((int a, int b) => a + b, "add")],
        }).ToChatResponseAsync();

        Assert.Equal("Hi you", text.Text);
        Assert.Equal(2, text.Usage?.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, text.FinishReason);
        var call = Assert.Single(tools.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("add", call.Name);
        Assert.StartsWith("call_", call.CallId);
        Assert.Equal(1, ((JsonElement)call.Arguments!["a"]!).GetInt32());
        Assert.Equal(2, ((JsonElement)call.Arguments!["b"]!).GetInt32());
        Assert.Equal(ChatFinishReason.ToolCalls, tools.FinishReason);
        Assert.NotNull(upstream.Requests[1].Body?["tools"]);
    }
}
