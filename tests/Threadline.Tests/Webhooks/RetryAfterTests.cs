using System.Globalization;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// <c>Retry-After</c> replaces the schedule's wait: with <c>429</c> and <c>Retry-After: 120</c> the
/// next attempt comes no earlier than 120 s later, although the schedule would have retried after
/// about 10 s; an HTTP-date <c>Retry-After</c> is honoured too. On a fake clock, in process.
/// </summary>
public sealed class RetryAfterTests
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_429_with_Retry_After_120_is_retried_after_120_seconds_whatever_the_schedule_says()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverAnswer.Fail(429, retryAfter: "120"));
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { RetrySchedule = [ShortWait, ShortWait] });
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted);
        await h.CompleteRunAsync();

        Assert.Equal(1, await h.DeliverDueAsync());
        var attemptMs = h.NowMs;
        var d = await h.SingleDeliveryAsync(endpoint.Id);
        Assert.Equal(429, d.LastStatusCode);
        Assert.Equal(DeliveryStatus.Pending, d.Status);
        Assert.Equal(attemptMs + 120_000, d.NextAttemptAtMs);

        // Well past the schedule's wait (10 s + 20%): nothing yet.
        h.AdvanceTo(attemptMs + (long)(ShortWait.TotalMilliseconds * 1.2) + 1);
        Assert.Equal(0, await h.DeliverDueAsync());
        h.AdvanceTo(attemptMs + 120_000 - 1);
        Assert.Equal(0, await h.DeliverDueAsync());
        Assert.Single(receiver.Received);

        // At 120 s: the same event, delivered.
        h.AdvanceTo(attemptMs + 120_000);
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(receiver.Received[0].WebhookId, receiver.Received[1].WebhookId);
        Assert.Equal(DeliveryStatus.Succeeded, (await h.SingleDeliveryAsync(endpoint.Id)).Status);
    }

    [Fact]
    public async Task A_Retry_After_date_is_honoured_against_the_dispatcher_clock()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { RetrySchedule = [ShortWait, ShortWait] });
        var retryAt = h.Clock.GetUtcNow().AddMinutes(5);
        receiver.Enqueue(ReceiverAnswer.Fail(503, retryAfter: retryAt.ToString("r", CultureInfo.InvariantCulture)));
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted);
        await h.CompleteRunAsync();

        Assert.Equal(1, await h.DeliverDueAsync());
        var d = await h.SingleDeliveryAsync(endpoint.Id);
        Assert.Equal(503, d.LastStatusCode);
        var dueMs = retryAt.ToUnixTimeMilliseconds() / 1000 * 1000; // an HTTP date has whole seconds
        Assert.InRange(d.NextAttemptAtMs, dueMs - 1000, dueMs + 1000);

        h.AdvanceTo(d.NextAttemptAtMs - 1);
        Assert.Equal(0, await h.DeliverDueAsync());
        h.AdvanceTo(d.NextAttemptAtMs);
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(receiver.Received[0].WebhookId, receiver.Received[1].WebhookId);
    }
}
