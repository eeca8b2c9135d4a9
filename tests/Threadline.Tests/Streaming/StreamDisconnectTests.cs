using System.Net;
using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Streaming;

/// <summary>A client that goes away in the middle of a stream stops its stream, not the run.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class StreamDisconnectTests(SharedServerFixture server)
{
    private const string Text = "a reply that keeps streaming after the client has gone";

    [Fact]
    public async Task ARunWhoseStreamingClientDisconnectsMidStreamStillCompletes()
    {
        using var http = server.CreateHttpClient();
        var assistantId = (string)(await http.PostOkAsync("assistants", """{"model":"echo:1500"}"""))["id"]!;
        var threadId = (string)(await http.PostOkAsync("threads", JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = Text } } })))["id"]!;

        string? runId = null;
        var seen = new List<string>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        using (var response = await Sse.PostStreamAsync(http, $"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}","stream":true}""", timeout.Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            await foreach (var frame in Sse.ReadAsync(stream, timeout.Token))
            {
                seen.Add(frame.Event);
                runId ??= (string?)frame.Json["id"];
                if (frame.Event == "thread.message.delta")
                    break; // hang up in the middle of the reply
            }
        }

        Assert.Equal("thread.message.delta", seen[^1]);
        Assert.DoesNotContain("thread.run.completed", seen);
        Assert.NotNull(runId);
        var atHangUp = await http.GetOkAsync($"threads/{threadId}/runs/{runId}");
        Assert.Equal("in_progress", (string?)atHangUp["status"]);

        var run = await RunWaiter.UntilTerminalAsync(http, threadId, runId, TimeSpan.FromSeconds(15));
        Assert.Equal("completed", (string?)run["status"]);
        var messages = await http.GetOkAsync($"threads/{threadId}/messages?run_id={runId}");
        var reply = messages["data"]!.AsArray().Single()!;
        Assert.Equal("completed", (string?)reply["status"]);
        Assert.Equal(Text, (string?)reply["content"]![0]!["text"]!["value"]);
    }
}
