using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A receiver that does not answer within <see cref="WebhookOptions.Timeout"/> counts as a failed
/// attempt: the dispatcher gives up on the request (its timeout runs on the dispatcher's clock, here
/// a fake one moved by the test), schedules a retry, and the retry carries the same <c>webhook-id</c>.
/// </summary>
public sealed class DeliveryTimeoutTests
{
    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_gets_the_event_again_on_the_schedule()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverAnswer.Held); // the first request is never answered
        var timeout = TimeSpan.FromMilliseconds(200);
        var retryWait = TimeSpan.FromSeconds(30);
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { Timeout = timeout, RetrySchedule = [retryWait, retryWait] });
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted);
        await h.CompleteRunAsync(reply: "are you there?");
        var startMs = h.NowMs;

        // :: The attempt reaches the receiver and hangs there.
        var pass = h.DeliverDueAsync();
        var held = (await receiver.WaitForAsync(_ => true, what: "(the held attempt)")).Single();
        // The timeout follows the dispatcher's clock, not the wall clock: more real time than the timeout passes, and it still waits.
        await Task.WhenAny(pass, Task.Delay(timeout + TimeSpan.FromMilliseconds(300)));
        Assert.False(pass.IsCompleted, "the attempt ended although the (fake) clock did not reach its timeout");
        h.Clock.Advance(timeout - TimeSpan.FromMilliseconds(1));
        await Task.WhenAny(pass, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.False(pass.IsCompleted, "the attempt ended 1 ms before its timeout");

        // :: The clock reaches the timeout: the dispatcher gives up on the request and records a failed attempt.
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await pass.WaitAsync(TimeSpan.FromSeconds(10)));
        var d = await h.SingleDeliveryAsync(endpoint.Id);
        Assert.Equal(DeliveryStatus.Pending, d.Status);
        Assert.Equal(1, d.Attempts);
        Assert.Null(d.LastStatusCode);
        Assert.Contains("no answer within", d.LastError);
        var failedAtMs = startMs + (long)timeout.TotalMilliseconds;
        Assert.Equal(failedAtMs, d.LastAttemptAtMs);
        var wait = (long)retryWait.TotalMilliseconds;
        Assert.InRange(d.NextAttemptAtMs - failedAtMs, wait * 8 / 10, wait * 12 / 10);
        Assert.Null(held.AnsweredAt);

        // :: Not before the retry is due; then the same event, answered this time.
        h.AdvanceTo(d.NextAttemptAtMs - 1);
        Assert.Equal(0, await h.DeliverDueAsync());
        h.AdvanceTo(failedAtMs + wait * 12 / 10 + 1);
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(held.WebhookId, receiver.Received[1].WebhookId);
        Assert.Equal(held.Body, receiver.Received[1].Body);
        var delivered = await h.SingleDeliveryAsync(endpoint.Id);
        Assert.Equal(DeliveryStatus.Succeeded, delivered.Status);
        Assert.Equal(2, delivered.Attempts);
        Assert.Equal(200, delivered.LastStatusCode);
        Assert.Equal(h.NowMs, delivered.DeliveredAtMs);
    }
}
