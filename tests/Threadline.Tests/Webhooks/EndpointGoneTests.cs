using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A receiver that answers <c>410 Gone</c> disables its endpoint: the endpoint reads
/// <c>Enabled = false</c> with a reason, its pending deliveries fail, and nothing more is sent to it
/// or recorded for it. On a fake clock, in process.
/// </summary>
public sealed class EndpointGoneTests
{
    [Fact]
    public async Task A_410_disables_the_endpoint_and_fails_its_pending_deliveries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverAnswer.Fail(410));
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { RetrySchedule = [TimeSpan.FromSeconds(10)] });
        var endpoint = await h.CreateEndpointAsync(receiver.Url); // every event type
        var (threadId, _) = await h.CompleteRunAsync(reply: "gone?");

        // One run, two events of one thread: thread.message.completed, then thread.run.completed, which waits behind it.
        var before = await h.DeliveriesAsync(endpoint.Id);
        Assert.Equal([WebhookEventTypes.MessageCompleted, WebhookEventTypes.RunCompleted], before.Select(d => d.EventType));
        Assert.All(before, d => Assert.Equal(DeliveryStatus.Pending, d.Status));

        Assert.Equal(1, await h.DeliverDueAsync());
        var gone = Assert.Single(receiver.Received);
        Assert.Equal(WebhookEventTypes.MessageCompleted, gone.EventType);

        var disabled = await h.EndpointAsync(endpoint.Id);
        Assert.False(disabled.Enabled);
        Assert.Contains("410", disabled.DisabledReason);

        var after = await h.DeliveriesAsync(endpoint.Id);
        Assert.All(after, d => Assert.Equal(DeliveryStatus.Failed, d.Status));
        var answered = after.Single(d => d.EventType == WebhookEventTypes.MessageCompleted);
        Assert.Equal(1, answered.Attempts);
        Assert.Equal(410, answered.LastStatusCode);
        var neverSent = after.Single(d => d.EventType == WebhookEventTypes.RunCompleted);
        Assert.Equal(0, neverSent.Attempts);
        Assert.Contains("410", neverSent.LastError);

        // Nothing more: not later, and not for new runs (a disabled endpoint listens to nothing).
        await h.CompleteRunAsync(threadId, reply: "still gone");
        Assert.Equal(2, (await h.DeliveriesAsync(endpoint.Id)).Count);
        h.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await h.DeliverDueAsync());
        Assert.Single(receiver.Received);
    }
}
