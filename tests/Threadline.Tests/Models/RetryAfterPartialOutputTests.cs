using System.Text.Json;
using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// A stream cut after some text was already streamed (and stored) cannot be resumed: a new request is a new
/// generation, which need not start with the same words. Whatever the server then does (fail the run and
/// keep the partial reply, or start the reply over), a reply's text is the text of one generation, and
/// what was streamed is what was stored; never the first generation's start with the second's tail.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class RetryAfterPartialOutputTests
{
    private static readonly string[] First = ["Alpha", " beta", " gamma", " delta"];
    private static readonly string[] Second = ["Zulu", " yankee", " xray", " whiskey"];

    private readonly FakeProviderFixture _fake;

    public RetryAfterPartialOutputTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task A_retry_after_a_cut_stream_never_splices_the_second_generation_onto_the_first()
    {
        _fake.Upstream.Enqueue(new FakeBehavior { Tokens = First, Fault = FakeFault.CutStreamAfterTokens(2) });
        _fake.Upstream.Enqueue(FakeBehavior.Text(Second)); // the answer to a retry, if the server retries
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var threadId = await FakeProviderFixture.ThreadAsync(http, ("user", "tell me something"));

        var (response, body) = await Sse.PostAndReadAllAsync(http, $"threads/{threadId}/runs",
            JsonSerializer.Serialize(new { assistant_id = assistantId, stream = true }), TimeSpan.FromSeconds(30));
        Assert.True(response.IsSuccessStatusCode, body);
        var frames = Sse.ParseStrict(body);
        var runId = (string)frames.First(f => f.Event == "thread.run.created").Json["id"]!;
        var run = await RunWaiter.UntilTerminalAsync(http, threadId, runId, TimeSpan.FromSeconds(20));

        var generations = new[] { string.Concat(First), string.Concat(Second) };
        var replies = await FakeProviderFixture.RepliesAsync(http, threadId, runId);
        var trace = $"run {run["status"]} {run["last_error"]?.ToJsonString()}; streamed '{Sse.DeltaText(frames)}'; stored " +
            string.Join(", ", replies.Select(r => $"'{FakeProviderFixture.MessageText(r)}' ({r["status"]})")) +
            $"; the upstream got {_fake.ChatRequests().Count} requests\n{_fake.Log()}";
        Assert.True(replies.Count > 0 || Sse.DeltaText(frames).Length == 0, $"text was streamed but no reply was stored: {trace}");
        foreach (var reply in replies)
        {
            var id = (string)reply["id"]!;
            var stored = FakeProviderFixture.MessageText(reply) ?? "";
            var streamed = Sse.DeltaText(frames.Where(f => f.Event == "thread.message.delta" && (string?)f.Json["id"] == id));
            Assert.True(streamed == stored, $"reply {id}: the stream said '{streamed}', the stored reply says '{stored}': {trace}");
            Assert.True(generations.Any(g => g.StartsWith(stored, StringComparison.Ordinal)),
                $"reply {id} '{stored}' is not the start of one generation ('{generations[0]}' or '{generations[1]}'): {trace}");
        }
    }
}
