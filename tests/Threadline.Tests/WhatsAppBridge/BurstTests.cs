using System.Diagnostics;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// The case the bridge exists for: a user types three messages in a row, each one its own Meta
/// webhook, one of them delivered twice, and gets one coherent answer: Threadline's debounce folds
/// the burst into one run, the <c>wamid</c> idempotency key turns the redelivery into a replay, and
/// the run's webhook sends one reply.
/// </summary>
[Collection(BridgeCollection.Name)]
public sealed class BurstTests(BridgeFixture bridge)
{
    [Fact]
    public async Task Three_quick_messages_one_redelivered_get_exactly_one_reply_with_all_three()
    {
        var user = MetaWebhooks.NewWaId();
        string[] texts = ["Hi", "I have a problem", "my order is missing"];
        var ids = texts.Select(_ => MetaWebhooks.NewMessageId()).ToArray();

        // :: The burst: three webhooks, the second delivered twice at the same moment (as Meta does
        // when its first attempt seems slow).
        var burst = Stopwatch.StartNew();
        await bridge.Meta.SendTextAsync(user, ids[0], texts[0]);
        await Task.WhenAll(bridge.Meta.SendTextAsync(user, ids[1], texts[1]), bridge.Meta.SendTextAsync(user, ids[1], texts[1]));
        await bridge.Meta.SendTextAsync(user, ids[2], texts[2]);
        burst.Stop();
        var timing = $"(the burst took {burst.ElapsedMilliseconds} ms; debounce {BridgeFixture.DebounceMs} ms)";

        // :: The reply arrives, then nothing else: every run of the thread ended and every event was acknowledged.
        await bridge.Graph.WaitForDeliveredAsync([user], TimeSpan.FromSeconds(20), bridge.Describe);
        await bridge.WaitUntilSettledAsync([user], TimeSpan.FromSeconds(20));

        var replies = bridge.Graph.DeliveredTo(user);
        var reply = replies.Count == 1 ? replies[0] : throw new Xunit.Sdk.XunitException($"{replies.Count} replies to {user}, expected 1 {timing}\n{bridge.Describe()}");
        Assert.Equal(string.Join("\n", texts), reply.Text);
        Assert.Equal(BridgeFixture.PhoneNumberId, reply.PhoneNumberId);
        Assert.Equal("Bearer " + BridgeFixture.AccessToken, reply.Authorization);
        var json = reply.Json!;
        Assert.Equal("whatsapp", (string?)json["messaging_product"]);
        Assert.Equal("text", (string?)json["type"]);
        Assert.Equal(user, (string?)json["to"]);

        // :: In Threadline: one thread for the user, one run, each message stored once.
        var thread = await bridge.ThreadOfAsync(user);
        Assert.NotNull(thread);
        var threadId = (string)thread["id"]!;
        var runs = await bridge.RunsOfAsync(threadId);
        Assert.True(runs.Count == 1, $"{runs.Count} runs on {threadId}, expected one debounced run {timing}");
        Assert.Equal(BridgeFixture.DebounceMs, (int?)runs[0]["debounce_ms"]);
        var messages = await bridge.MessagesOfAsync(threadId);
        Assert.Equal(texts, messages.Where(m => (string?)m["role"] == "user").Select(m => (string?)m["content"]![0]!["text"]!["value"]));
        Assert.Equal([string.Join("\n", texts)], messages.Where(m => (string?)m["role"] == "assistant").Select(m => (string?)m["content"]![0]!["text"]!["value"]));
    }
}
