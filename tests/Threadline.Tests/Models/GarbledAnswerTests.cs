using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// An answer the server cannot read fails the run with a <c>last_error</c> in the user's words: which
/// provider, how many tries, and where the details are; never the text of a parser's exception.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class GarbledAnswerTests
{
    private readonly FakeProviderFixture _fake;

    public GarbledAnswerTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task AGarbledAnswerFailsTheRunWithoutTheParsersText()
    {
        var tries = 1 + FakeProviderFixture.MaxRetries;
        for (var i = 0; i < tries; i++)
            _fake.Upstream.Enqueue(FakeBehavior.Fail(FakeFault.Status(200, body: "data: {garbled\n\n")));
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "hi"));

        var run = await FakeProviderFixture.CreateRunAsync(http, threadId, assistantId);
        var failed = await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!, TimeSpan.FromSeconds(20));

        Assert.True((string?)failed["status"] == "failed", $"the run ended {failed.ToJsonString()}\n{_fake.Log()}");
        var message = (string)failed["last_error"]!["message"]!;
        Assert.Contains($"'{FakeProviderFixture.Provider}'", message, StringComparison.Ordinal);
        foreach (var internalText in new[] { "LineNumber", "BytePosition", "invalid start", "Exception", "Path:" })
            Assert.DoesNotContain(internalText, message, StringComparison.Ordinal);
    }
}
