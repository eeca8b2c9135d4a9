using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A receiver that answers 5xx gets the event again on the retry schedule (each wait ±20% jitter),
/// with the same <c>webhook-id</c> and the same body, never earlier; after the last wait of the
/// schedule the delivery is <c>failed</c> and nothing more is sent. On a fake clock, in process.
/// </summary>
public sealed class RetryScheduleTests
{
    private static readonly TimeSpan[] Schedule = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5)];

    [Fact]
    public async Task A_500_is_retried_on_the_schedule_with_the_same_webhook_id_until_the_schedule_is_exhausted()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Default = ReceiverAnswer.Fail(500);
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { RetrySchedule = [.. Schedule], Timeout = TimeSpan.FromSeconds(5) });
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted);
        var (threadId, runId) = await h.CompleteRunAsync(reply: "retry me");

        var recorded = await h.SingleDeliveryAsync(endpoint.Id);
        Assert.Equal(DeliveryStatus.Pending, recorded.Status);
        Assert.Equal(0, recorded.Attempts);
        Assert.Equal(threadId, recorded.ThreadId);

        // :: The first attempt, at once.
        Assert.Equal(1, await h.DeliverDueAsync());
        var first = Assert.Single(receiver.Received);
        Assert.Equal(recorded.EventId, first.WebhookId);
        Assert.Equal(runId, first.RunId);
        Assert.Equal(recorded.Payload, first.Body);
        var lastAttemptMs = h.NowMs;

        for (var i = 0; i < Schedule.Length; i++)
        {
            var wait = (long)Schedule[i].TotalMilliseconds;
            var d = await h.SingleDeliveryAsync(endpoint.Id);
            Assert.Equal(DeliveryStatus.Pending, d.Status);
            Assert.Equal(i + 1, d.Attempts);
            Assert.Equal(500, d.LastStatusCode);
            Assert.Equal("HTTP 500", d.LastError);
            Assert.Equal(lastAttemptMs, d.LastAttemptAtMs);
            Assert.InRange(d.NextAttemptAtMs - lastAttemptMs, wait * 8 / 10, wait * 12 / 10);

            // Before the earliest the jitter allows, and a millisecond before the recorded moment: nothing.
            h.AdvanceTo(lastAttemptMs + wait * 8 / 10 - 1);
            Assert.Equal(0, await h.DeliverDueAsync());
            h.AdvanceTo(d.NextAttemptAtMs - 1);
            Assert.Equal(0, await h.DeliverDueAsync());
            Assert.Equal(i + 1, receiver.Received.Count);

            // Past the latest the jitter allows: the same event again.
            h.AdvanceTo(lastAttemptMs + wait * 12 / 10 + 1);
            Assert.Equal(1, await h.DeliverDueAsync());
            Assert.Equal(i + 2, receiver.Received.Count);
            var retry = receiver.Received[^1];
            Assert.Equal(first.WebhookId, retry.WebhookId);
            Assert.Equal(first.Body, retry.Body);
            Assert.Equal((h.NowMs / 1000).ToString(), retry.Header("webhook-timestamp")); // signed at the time of the attempt
            lastAttemptMs = h.NowMs;
        }

        // :: The schedule is exhausted: failed for good.
        var failed = await h.SingleDeliveryAsync(endpoint.Id);
        Assert.Equal(DeliveryStatus.Failed, failed.Status);
        Assert.Equal(Schedule.Length + 1, failed.Attempts);
        Assert.Equal(500, failed.LastStatusCode);
        Assert.Contains("gave up", failed.LastError);
        Assert.Null(failed.DeliveredAtMs);
        h.Clock.Advance(TimeSpan.FromDays(4));
        Assert.Equal(0, await h.DeliverDueAsync());
        Assert.Equal(Schedule.Length + 1, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(first.WebhookId, r.WebhookId));
    }

    [Fact]
    public void The_default_schedule_spans_about_three_days()
    {
        var schedule = WebhookOptions.DefaultRetrySchedule;
        Assert.Equal(12, schedule.Count);
        Assert.Equal(TimeSpan.FromSeconds(5), schedule[0]);
        var total = schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        Assert.InRange(total, TimeSpan.FromDays(2.5), TimeSpan.FromDays(3.5));
    }
}
