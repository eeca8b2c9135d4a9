using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>Queue deadlines: when a queue head may start, a wait for tool outputs ends and a lease lapses, each null when nothing waits.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task The_next_eligible_deadline_is_the_earliest_head_that_may_start()
    {
        var t0 = NowMs;
        Assert.Null((await DeadlinesAsync()).NextEligibleAtMs);
        var later = await CreateThreadAsync();
        var sooner = await CreateThreadAsync();
        var busy = await CreateThreadAsync();
        Assert.Null((await DeadlinesAsync()).NextEligibleAtMs);

        await CreateRunAsync(later.Id, debounceMs: 5_000, maxWaitMs: 30_000);
        await CreateRunAsync(sooner.Id, debounceMs: 2_000, maxWaitMs: 30_000);
        // A run waiting behind an active one may not start, whenever it became eligible.
        var active = await StartRunAsync(busy.Id);
        await CreateRunAsync(busy.Id);
        Assert.Equal(t0 + 2_000, (await DeadlinesAsync()).NextEligibleAtMs);

        AdvanceTo(t0 + 5_000);
        Assert.Equal([sooner.Id, later.Id], await ReadAsync(s => s.Threads.ThreadClaimableListAsync(s.NowMs, 10)));
        Assert.Equal(2, (await ClaimNextAsync()).Count);
        Assert.Null((await DeadlinesAsync()).NextEligibleAtMs);
        await FinishAsync(active);
        Assert.Equal(t0, (await DeadlinesAsync()).NextEligibleAtMs);
    }

    [Fact]
    public async Task The_next_expiry_deadline_is_the_earliest_wait_for_tool_outputs_to_end()
    {
        Assert.Null((await DeadlinesAsync()).NextExpiryAtMs);
        var nowSeconds = NowMs / 1000;
        var longer = await StartRunAsync((await CreateThreadAsync()).Id);
        var shorter = await StartRunAsync((await CreateThreadAsync()).Id);
        Assert.Null((await DeadlinesAsync()).NextExpiryAtMs);

        await RequireActionAsync(longer, nowSeconds + 600);
        await RequireActionAsync(shorter, nowSeconds + 300);
        Assert.Equal((nowSeconds + 300) * 1000, (await DeadlinesAsync()).NextExpiryAtMs);

        await SubmitOutputAsync(shorter);
        Assert.Equal((nowSeconds + 600) * 1000, (await DeadlinesAsync()).NextExpiryAtMs);
        AdvanceTo((nowSeconds + 600) * 1000);
        Assert.Equal(1, (await RescueAsync()).Expired);
        Assert.Null((await DeadlinesAsync()).NextExpiryAtMs);
    }

    [Fact]
    public async Task The_next_lease_lapse_deadline_is_the_earliest_lease_held()
    {
        Assert.Null((await DeadlinesAsync()).NextLeaseLapseAtMs);
        var first = await StartRunAsync((await CreateThreadAsync()).Id);
        Advance(5_000);
        var second = await StartRunAsync((await CreateThreadAsync()).Id);
        Assert.Equal(first.LeaseExpiresAtMs, (await DeadlinesAsync()).NextLeaseLapseAtMs);

        // Renewed, the first lease lapses after the second; waiting for tool outputs, a run holds none.
        Advance(5_000);
        await WriteAsync(s => Lifecycle.RenewLeasesAsync(s, Owner, LeaseMs, [(first.Id, first.Attempt)]));
        Assert.Equal(second.LeaseExpiresAtMs, (await DeadlinesAsync()).NextLeaseLapseAtMs);
        await RequireActionAsync(second, NowMs / 1000 + 600);
        Assert.Equal(NowMs + LeaseMs, (await DeadlinesAsync()).NextLeaseLapseAtMs);
        await FinishAsync(first);
        Assert.Null((await DeadlinesAsync()).NextLeaseLapseAtMs);
    }
}
