using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// Upstream failures before any text (429 with <c>Retry-After</c>, 500, a hang past the request timeout, a
/// stream cut before its first token) are retried <see cref="FakeProviderFixture.MaxRetries"/> times; then
/// the run fails with a <c>last_error</c> that names the provider, and the thread's next run still runs. A
/// failure that clears on a retry leaves a normal run, its reply said once. A stream cut after text went out
/// is not retried: a second generation would not continue the first.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class UpstreamRetryTests
{
    private static readonly string[] Tokens = ["Alpha", " beta", " gamma", " delta"];

    private readonly FakeProviderFixture _fake;

    public UpstreamRetryTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    public static TheoryData<string> Faults => ["429", "500", "hang", "cut"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task APersistentFaultIsRetriedThenFailsTheRunAndTheNextRunStillCompletes(string fault)
    {
        var tries = 1 + FakeProviderFixture.MaxRetries;
        for (var i = 0; i < tries; i++)
            _fake.Upstream.Enqueue(Behavior(fault));
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "first"));

        var clock = Stopwatch.StartNew();
        var first = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId);
        var second = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId, new JsonObject
        {
            ["additional_messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "second" }),
        });
        var (firstId, secondId) = ((string)first["id"]!, (string)second["id"]!);
        Assert.Equal("queued", (string?)second["status"]);

        var failed = await RunWaiter.UntilTerminalAsync(http, threadId, firstId, TimeSpan.FromSeconds(20));
        var elapsed = clock.Elapsed;
        var next = await RunWaiter.UntilTerminalAsync(http, threadId, secondId, TimeSpan.FromSeconds(20));

        Assert.True((string?)failed["status"] == "failed", $"the first run ended {failed.ToJsonString()}\n{_fake.Log()}");
        Assert.NotNull(failed["failed_at"]);
        var error = failed["last_error"]!;
        Assert.Equal(fault == "429" ? "rate_limit_exceeded" : "server_error", (string?)error["code"]);
        var message = (string)error["message"]!;
        Assert.Contains($"'{FakeProviderFixture.Provider}'", message, StringComparison.Ordinal);
        Assert.Contains($"{tries} tries", message, StringComparison.Ordinal);
        SpecSchemas.AssertValid("RunObject", failed);

        var requests = _fake.ChatRequests();
        var seen = string.Join("\n", requests.Select(r => $"  #{r.Sequence} at {r.ReceivedAt:HH:mm:ss.fff} last user '{r.LastUserText}' -> {r.Behavior}"));
        Assert.True(requests.Count == tries + 1, $"expected {tries} tries for the first run and 1 for the second, the upstream received:\n{seen}\n{_fake.Log()}");
        // The first run's tries (it may have started after the second run's message arrived: it sees the thread as
        // it was when it started), all with the same context; then the second run.
        var firstContext = new JsonArray(requests[0].Messages.Select(m => m?.DeepClone()).ToArray()).ToJsonString();
        Assert.True(requests.Take(tries).All(r => new JsonArray(r.Messages.Select(m => m?.DeepClone()).ToArray()).ToJsonString() == firstContext),
            $"the first run's tries were sent different messages:\n{seen}");
        Assert.True(requests[0].Messages.Count > 0 && FakeProviderFixture.ContentText(requests[0].Messages[0]) == "first", $"the first run's context:\n{seen}");
        Assert.True(requests[tries].LastUserText == "second", $"expected {tries} tries of the first run, then the second run:\n{seen}\n{_fake.Log()}");
        switch (fault)
        {
            case "429":
                // Retry-After: 1 is honoured between tries.
                for (var i = 1; i < tries; i++)
                {
                    var gap = requests[i].ReceivedAt - requests[i - 1].ReceivedAt;
                    Assert.True(gap >= TimeSpan.FromMilliseconds(950), $"try {i + 1} came {gap.TotalMilliseconds} ms after try {i}, before the Retry-After of 1 s:\n{seen}\n{_fake.Log()}");
                }
                break;
            case "hang":
                Assert.True(elapsed >= tries * FakeProviderFixture.RequestTimeout, $"the run failed after {elapsed}, before {tries} tries of {FakeProviderFixture.RequestTimeout}");
                Assert.True(elapsed < TimeSpan.FromSeconds(12), $"the run took {elapsed} to fail {tries} tries of {FakeProviderFixture.RequestTimeout}");
                break;
        }

        Assert.Empty(await FakeProviderFixture.RepliesAsync(http, threadId, firstId));

        Assert.True((string?)next["status"] == "completed", $"the next run ended {next.ToJsonString()}\n{_fake.Log()}");
        var reply = Assert.Single(await FakeProviderFixture.RepliesAsync(http, threadId, secondId));
        Assert.Equal("second", FakeProviderFixture.MessageText(reply));
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task AFaultThatClearsOnTheRetryCompletesTheRunWithTheWholeReplyOnce(string fault)
    {
        _fake.Upstream.Enqueue(Behavior(fault));
        _fake.Upstream.Enqueue(FakeBehavior.Text(Tokens));
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var (response, body) = await Sse.PostAndReadAllAsync(http, $"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}","stream":true}""");

        Assert.True(response.IsSuccessStatusCode, body);
        var frames = Sse.ParseStrict(body);
        Assert.Equal("thread.run.completed", frames[^2].Event);
        var run = frames[^2].Json;
        Assert.Null(run["last_error"]);
        Assert.Equal("Alpha beta gamma delta", Sse.DeltaText(frames));
        Assert.Single(frames, f => f.Event == "thread.message.created");
        var runId = (string)run["id"]!;
        var reply = Assert.Single(await FakeProviderFixture.RepliesAsync(http, threadId, runId));
        Assert.Equal("completed", (string?)reply["status"]);
        Assert.Equal("Alpha beta gamma delta", FakeProviderFixture.MessageText(reply));

        var requests = _fake.ChatRequests();
        Assert.True(requests.Count == 2, $"expected 2 tries, the upstream received:\n{string.Join("\n", requests)}");
        if (fault == "429")
        {
            var gap = requests[1].ReceivedAt - requests[0].ReceivedAt;
            Assert.True(gap >= TimeSpan.FromMilliseconds(950), $"the retry came {gap.TotalMilliseconds} ms after the 429, before its Retry-After of 1 s");
        }
    }

    [Fact]
    public async Task AStreamCutAfterTextWentOutIsNotRetriedAndKeepsWhatWasSaidOnce()
    {
        _fake.Upstream.Enqueue(new FakeBehavior { Tokens = Tokens, Fault = FakeFault.CutStreamAfterTokens(2) });
        _fake.Upstream.Enqueue(FakeBehavior.Text("Zulu", " yankee"));
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId);
        var failed = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!);

        Assert.True((string?)failed["status"] == "failed", failed.ToJsonString());
        Assert.Equal("server_error", (string?)failed["last_error"]?["code"]);
        Assert.Contains("broke off", (string)failed["last_error"]!["message"]!, StringComparison.Ordinal);
        Assert.Single(_fake.ChatRequests());
        var partial = Assert.Single(await FakeProviderFixture.RepliesAsync(http, threadId, (string)run["id"]!));
        Assert.Equal("incomplete", (string?)partial["status"]);
        Assert.Equal("run_failed", (string?)partial["incomplete_details"]?["reason"]);
        Assert.Equal("Alpha beta", FakeProviderFixture.MessageText(partial));
    }

    [Fact]
    public async Task ARequestTheProviderRefusesIsNotRetried()
    {
        _fake.Upstream.Enqueue(FakeBehavior.Fail(FakeFault.Status(400)));
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hello"));

        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId);
        var failed = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!);

        Assert.True((string?)failed["status"] == "failed", failed.ToJsonString());
        Assert.Equal("invalid_prompt", (string?)failed["last_error"]?["code"]);
        Assert.Contains($"'{FakeProviderFixture.Provider}'", (string)failed["last_error"]!["message"]!, StringComparison.Ordinal);
        var requests = _fake.ChatRequests();
        Assert.True(requests.Count == 1, $"a 400 was tried {requests.Count} times:\n{string.Join("\n", requests)}");
    }

    private static FakeBehavior Behavior(string fault) => fault switch
    {
        "429" => FakeBehavior.Fail(FakeFault.Status(429, retryAfterSeconds: "1")),
        "500" => FakeBehavior.Fail(FakeFault.Status(500)),
        "hang" => FakeBehavior.Fail(FakeFault.Hang),
        "cut" => new FakeBehavior { Tokens = Tokens, Fault = FakeFault.CutStreamAfterTokens(0) },
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };
}
