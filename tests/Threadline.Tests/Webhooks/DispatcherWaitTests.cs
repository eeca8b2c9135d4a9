using Threadline.Storage.Drivers;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// The dispatcher does not spin: a pass that can send nothing says how long to sleep, never zero and never
/// a short poll. With nothing pending it sleeps until woken; with a due delivery behind an endpoint at
/// capacity (its one place held by another process's delivery) it sleeps until that lock lapses.
/// </summary>
public sealed class DispatcherWaitTests
{
    private const long LockMs = 20_000;

    [Fact]
    public async Task With_nothing_pending_a_pass_waits_until_woken()
    {
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions());

        var (started, next) = await h.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Empty(started);
        Assert.Equal(Timeout.InfiniteTimeSpan, next);
    }

    [Fact]
    public async Task With_its_endpoint_at_capacity_a_due_delivery_waits_for_the_holding_lock_to_lapse()
    {
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { MaxConcurrentPerEndpoint = 1 });
        await h.CreateEndpointAsync(new Uri("http://127.0.0.1:9/hooks"), WebhookEventTypes.RunCompleted);
        await h.CompleteRunAsync();
        await h.CompleteRunAsync();
        var held = await h.Store.WriteAsync(s => s.Webhooks.WebhookDeliveryClaimAsync(new DeliveryClaim("another-process", h.NowMs, LockMs, 1, 1)),
            CancellationToken.None);
        Assert.Single(held);

        var (started, next) = await h.Dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Empty(started);
        Assert.Equal(TimeSpan.FromMilliseconds(LockMs), next);
    }
}
