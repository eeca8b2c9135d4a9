using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// Threadline delivers its webhooks at least once: the same event can reach the bridge again (a lost
/// acknowledgement, a replay). The bridge recognises the <c>webhook-id</c> and does not send the reply
/// twice; and when the Graph API fails, the bridge's 5xx makes Threadline deliver again, so the reply
/// is not lost either.
/// </summary>
[Collection(BridgeCollection.Name)]
public sealed class ThreadlineRedeliveryTests(BridgeFixture bridge)
{
    [Fact]
    public async Task A_replayed_event_is_acknowledged_without_a_second_reply()
    {
        var user = MetaWebhooks.NewWaId();
        await bridge.Meta.SendTextAsync(user, MetaWebhooks.NewMessageId(), "where is my parcel?");
        await bridge.Graph.WaitForDeliveredAsync([user], TimeSpan.FromSeconds(20), bridge.Describe);
        await bridge.WaitUntilSettledAsync([user], TimeSpan.FromSeconds(20));
        var threadId = (string)(await bridge.ThreadOfAsync(user))!["id"]!;
        var delivery = Assert.Single(await bridge.DeliveriesAsync(), d => (string?)d["thread_id"] == threadId);
        Assert.Equal(1, (int)delivery["attempts"]!);

        // Threadline sends the same event (same webhook-id) again: pending at once, succeeded once the bridge acknowledged it.
        var replay = await bridge.Api.PostOkAsync($"webhook_endpoints/{bridge.EndpointId}/deliveries/{delivery["id"]}/replay", "{}");
        Assert.Equal("pending", (string?)replay["status"]);
        await WaitForDeliveryAsync(threadId, d => (string?)d["status"] == "succeeded", "replayed and acknowledged");
        Assert.Equal(200, (int?)(await bridge.DeliveriesAsync()).Single(d => (string?)d["thread_id"] == threadId)["last_status_code"]);

        var replies = bridge.Graph.DeliveredTo(user);
        Assert.True(replies.Count == 1, $"{replies.Count} replies after the replay, expected 1\n{bridge.Describe()}");
        var eventId = (string)delivery["event_id"]!;
        await bridge.Bridge.WaitForLogLineAsync(line => line.Contains($"Threadline event {eventId} already handled", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task When_the_Graph_API_fails_the_event_is_delivered_again_and_the_reply_sent_once()
    {
        var user = MetaWebhooks.NewWaId();
        bridge.Graph.FailNextFor(user, 500);
        await bridge.Meta.SendTextAsync(user, MetaWebhooks.NewMessageId(), "hello?");

        await bridge.WaitUntilSettledAsync([user], TimeSpan.FromSeconds(30));
        var toUser = bridge.Graph.Requests.Where(r => r.To == user).ToList();
        Assert.True(toUser.Count == 2 && toUser[0].AnsweredStatus == 500 && toUser[1].Delivered,
            $"Expected a failed send then a delivered one to {user}\n{bridge.Describe()}");
        Assert.Equal("hello?", toUser[1].Text);

        var threadId = (string)(await bridge.ThreadOfAsync(user))!["id"]!;
        var delivery = Assert.Single(await bridge.DeliveriesAsync(), d => (string?)d["thread_id"] == threadId);
        Assert.Equal(2, (int)delivery["attempts"]!);
        Assert.Equal("succeeded", (string?)delivery["status"]);
    }

    private async Task WaitForDeliveryAsync(string threadId, Func<System.Text.Json.Nodes.JsonObject, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var delivery = (await bridge.DeliveriesAsync()).Single(d => (string?)d["thread_id"] == threadId);
            if (match(delivery))
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"The delivery for {threadId} was not {what} within 20 s: {delivery.ToJsonString()}\n{bridge.Describe()}");
            await Task.Delay(50);
        }
    }
}
