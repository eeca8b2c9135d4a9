using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>What the bridge takes from a Meta webhook: text messages only; delivery receipts and other message types are acknowledged and dropped.</summary>
[Collection(BridgeCollection.Name)]
public sealed class InboundPayloadTests(BridgeFixture bridge)
{
    [Fact]
    public async Task Statuses_and_non_text_messages_are_acknowledged_without_a_Threadline_call()
    {
        var user = MetaWebhooks.NewWaId();
        Assert.Equal(200, await bridge.Meta.PostAsync(bridge.Meta.Status(user, MetaWebhooks.NewMessageId(), "delivered")));
        Assert.Equal(200, await bridge.Meta.PostAsync(bridge.Meta.Status(user, MetaWebhooks.NewMessageId(), "read")));
        Assert.Equal(200, await bridge.Meta.PostAsync(bridge.Meta.Image(user, MetaWebhooks.NewMessageId())));
        Assert.Null(await bridge.ThreadOfAsync(user));
    }
}
