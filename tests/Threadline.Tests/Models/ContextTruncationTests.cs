using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// A run sends its model only what its truncation allows, the newest messages first in choosing and in
/// thread order when sent: <c>last_messages</c> keeps that many, <c>max_prompt_tokens</c> keeps the newest
/// that fit. The server loads the thread newest first up to that bound, so a long thread costs a run what it
/// sends, not what the thread holds.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class ContextTruncationTests
{
    private readonly FakeProviderFixture _fake;

    public ContextTruncationTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task LastMessagesSendsTheNewestMessagesInThreadOrder()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, Enumerable.Range(1, 12).Select(i => ("user", $"m{i}")).ToArray());

        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId, new JsonObject
        {
            ["truncation_strategy"] = new JsonObject { ["type"] = "last_messages", ["last_messages"] = 3 },
        });
        var ended = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!);

        Assert.Equal("completed", (string?)ended["status"]);
        var sent = Assert.Single(_fake.ChatRequests()).Messages.Select(FakeProviderFixture.ContentText).ToList();
        Assert.Equal(["m10", "m11", "m12"], sent);
    }

    [Fact]
    public async Task MaxPromptTokensSendsTheNewestMessagesThatFitAndAlwaysTheLast()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        // 200 messages of about 100 tokens each (4 characters a token): far more than a 1,000-token budget.
        var words = string.Concat(Enumerable.Repeat("word ", 80));
        var threadId = await FakeProviderFixture.ThreadAsync(http, Enumerable.Range(1, 200).Select(i => ("user", $"#{i} {words}")).ToArray());

        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId, new JsonObject { ["max_prompt_tokens"] = 1000 });
        var ended = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!);

        Assert.Equal("completed", (string?)ended["status"]);
        var sent = Assert.Single(_fake.ChatRequests()).Messages.Select(m => FakeProviderFixture.ContentText(m)!.Split(' ')[0]).ToList();
        Assert.InRange(sent.Count, 2, 12);
        // The newest ones, contiguous, in thread order, ending with the last message.
        var first = int.Parse(sent[0][1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Enumerable.Range(first, sent.Count).Select(i => $"#{i}"), sent);
        Assert.Equal("#200", sent[^1]);
    }
}
