using Threadline.Maintenance;
using Threadline.Tests.Webhooks;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Maintenance;

/// <summary>
/// The outbox does not grow for ever: a janitor pass deletes the webhook events older than
/// <c>Threadline:Webhooks:EventRetention</c> whose deliveries all ended (delivered, or given up), with
/// their deliveries; an event still pending is kept however old, and a recent one is kept. On a fake
/// clock, in process, with the server's own janitor and dispatcher.
/// </summary>
public sealed class WebhookEventRetentionTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    [Fact]
    public async Task Events_past_their_retention_whose_deliveries_ended_are_purged_and_pending_or_recent_ones_are_kept()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { EventRetention = Retention, RetrySchedule = [TimeSpan.FromSeconds(1)] });
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted);

        // :: Old: one delivered, one given up after its one retry, one waiting a day to be retried.
        var delivered = await CompleteAndDeliverAsync(h, receiver, ReceiverAnswer.Ok);
        var givenUp = await CompleteAndDeliverAsync(h, receiver, ReceiverAnswer.Fail(500));
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        receiver.Enqueue(ReceiverAnswer.Fail(500));
        Assert.Equal(1, await h.DeliverDueAsync());
        var pending = await CompleteAndDeliverAsync(h, receiver, ReceiverAnswer.Fail(503, retryAfter: "86400"));

        // :: Recent: delivered a minute ago.
        h.Clock.Advance(Retention);
        var recent = await CompleteAndDeliverAsync(h, receiver, ReceiverAnswer.Ok);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new Dictionary<string, string>
        {
            [delivered] = DeliveryStatus.Succeeded, [givenUp] = DeliveryStatus.Failed, [pending] = DeliveryStatus.Pending, [recent] = DeliveryStatus.Succeeded,
        }, await StatusByThreadAsync(h, endpoint.Id));

        var (_, purged) = await h.Core.Hosted<RetentionJanitor>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(2, purged);
        Assert.Equal(new Dictionary<string, string> { [pending] = DeliveryStatus.Pending, [recent] = DeliveryStatus.Succeeded },
            await StatusByThreadAsync(h, endpoint.Id));
    }

    /// <summary>Completes a run on a new thread and makes its event's first attempt, which the receiver answers with <paramref name="answer"/>.</summary>
    private static async Task<string> CompleteAndDeliverAsync(DispatcherHarness h, WebhookReceiver receiver, ReceiverAnswer answer)
    {
        var (threadId, _) = await h.CompleteRunAsync();
        receiver.Enqueue(answer);
        Assert.Equal(1, await h.DeliverDueAsync());
        return threadId;
    }

    private static async Task<Dictionary<string, string>> StatusByThreadAsync(DispatcherHarness h, string endpointId) =>
        (await h.DeliveriesAsync(endpointId)).ToDictionary(d => d.ThreadId!, d => d.Status);
}
