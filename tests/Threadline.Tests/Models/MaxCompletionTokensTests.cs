using System.Text.Json.Nodes;
using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// <c>max_completion_tokens</c>: the limit is passed to the model; a model that stops at it
/// (<c>finish_reason: "length"</c>) leaves the run <c>incomplete</c> (reason <c>max_completion_tokens</c>)
/// and its reply <c>incomplete</c>.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class MaxCompletionTokensTests
{
    private const int Limit = 256;

    private readonly FakeProviderFixture _fake;

    public MaxCompletionTokensTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task AReplyCutAtTheLimitLeavesTheRunAndItsMessageIncomplete()
    {
        _fake.Upstream.Enqueue(new FakeBehavior { TokenCount = 300 });
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "talk at length"));

        var (response, body) = await Sse.PostAndReadAllAsync(http, $"threads/{threadId}/runs",
            $$"""{"assistant_id":"{{assistantId}}","max_completion_tokens":{{Limit}},"stream":true}""");

        Assert.True(response.IsSuccessStatusCode, body);
        var frames = Sse.ParseStrict(body);
        Sse.AssertFramesMatchSpec(frames);
        var names = Sse.CollapseDeltas(frames.Select(f => f.Event));
        Assert.Equal(["thread.message.incomplete", "thread.run.step.completed", "thread.run.incomplete", "done"], names.TakeLast(4));
        var run = frames[^2].Json;
        Assert.Equal("incomplete", (string?)run["status"]);
        Assert.Equal("max_completion_tokens", (string?)run["incomplete_details"]?["reason"]);
        Assert.Equal(Limit, (int?)run["max_completion_tokens"]);

        var request = Assert.Single(_fake.ChatRequests());
        var sentLimit = request.Body?["max_completion_tokens"] ?? request.Body?["max_tokens"];
        Assert.True(sentLimit is not null && sentLimit.GetValue<int>() == Limit, "the limit sent upstream: " + request.RawBody);

        var runId = (string)run["id"]!;
        var stored = await http.GetRawAsync($"threads/{threadId}/runs/{runId}");
        var storedRun = stored.AssertOk("RunObject");
        Assert.Equal("incomplete", (string?)storedRun["status"]);
        Assert.Equal("max_completion_tokens", (string?)storedRun["incomplete_details"]?["reason"]);
        var reply = Assert.Single(await FakeProviderFixture.RepliesAsync(http, threadId, runId));
        SpecSchemas.AssertValid("MessageObject", reply);
        Assert.Equal("incomplete", (string?)reply["status"]);
        Assert.Equal("max_tokens", (string?)reply["incomplete_details"]?["reason"]);
        Assert.NotNull(reply["incomplete_at"]);
        var expected = string.Concat(Enumerable.Range(0, Limit).Select(i => i == 0 ? "tok0" : " tok" + i));
        Assert.Equal(expected, FakeProviderFixture.MessageText(reply));
    }

    [Fact]
    public async Task AReplyWithinTheLimitCompletes()
    {
        _fake.Upstream.Enqueue(new FakeBehavior { TokenCount = 300 });
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "talk at length"));

        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId, new JsonObject { ["max_completion_tokens"] = 400 });
        var done = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!);

        Assert.True((string?)done["status"] == "completed", done.ToJsonString());
        Assert.Null(done["incomplete_details"]);
        var reply = Assert.Single(await FakeProviderFixture.RepliesAsync(http, threadId, (string)run["id"]!));
        Assert.Equal("completed", (string?)reply["status"]);
        Assert.EndsWith(" tok299", FakeProviderFixture.MessageText(reply), StringComparison.Ordinal);
    }
}
