using Threadline.Storage;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>The change feed: what a write's session announced is published once it committed, and never when it rolled back.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task A_committed_write_publishes_what_its_session_announced()
    {
        var queue = Store.Changes.Subscribe(ChangeTopic.Queue);
        var outbox = Store.Changes.Subscribe(ChangeTopic.Outbox);
        var runs = Store.Changes.Subscribe(ChangeTopic.Run);
        var announced = Store.Changes.WhenRunChangesAsync("run_announced");
        var silent = Store.Changes.WhenRunChangesAsync("run_silent");

        await WriteAsync(s => Announce(s, StoreChange.Run("run_announced"), StoreChange.Outbox));

        await announced.WaitAsync(Patience);
        Assert.True(await outbox.WaitAsync(Patience, TimeProvider.System, CancellationToken.None));
        Assert.True(await runs.WaitAsync(Patience, TimeProvider.System, CancellationToken.None));
        Assert.False(await queue.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
        Assert.False(silent.IsCompleted);
    }

    [Fact]
    public async Task A_rolled_back_write_publishes_nothing()
    {
        var queue = Store.Changes.Subscribe(ChangeTopic.Queue);
        var outbox = Store.Changes.Subscribe(ChangeTopic.Outbox);
        var rolledBack = Store.Changes.WhenRunChangesAsync("run_rolled_back");

        await Assert.ThrowsAsync<WorkFailed>(() => WriteAsync(async s =>
        {
            await Announce(s, StoreChange.Run("run_rolled_back"), StoreChange.Queue, StoreChange.Outbox);
            throw new WorkFailed();
        }));

        // Publications come in commit order: once a later write's has come, the failed one's would have.
        var marker = Store.Changes.WhenRunChangesAsync("run_marker");
        await WriteAsync(s => Announce(s, StoreChange.Run("run_marker")));
        await marker.WaitAsync(Patience);
        Assert.False(rolledBack.IsCompleted);
        Assert.False(await queue.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
        Assert.False(await outbox.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
    }

    [Fact]
    public async Task A_write_through_another_store_on_the_database_wakes_this_stores_subscribers()
    {
        var queue = Store.Changes.Subscribe(ChangeTopic.Queue);
        var watched = Store.Changes.WhenRunChangesAsync("run_elsewhere");
        var other = await Database.OpenAsync();

        // A store may learn only that another process committed something (SQLite: a look on a timer of its
        // clock, waking everyone), or what it announced (PostgreSQL: a notification): the other process writes
        // and the clock moves until this store has noticed.
        for (var i = 0; !watched.IsCompleted; i++)
        {
            Assert.True(i < 100, "this store never noticed the other store's writes");
            var thread = StoreObjects.Thread(NowMs);
            await other.WriteAsync(async s => { await s.Threads.ThreadInsertAsync(thread); await Announce(s, StoreChange.Run("run_elsewhere"), StoreChange.Queue); return 0; }, CancellationToken.None);
            Advance(1_000);
            await Task.WhenAny(watched, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }

        Assert.True(await queue.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
    }

    private static ValueTask Announce(IStoreSession session, params StoreChange[] changes)
    {
        foreach (var change in changes)
            session.Announce(change);
        return ValueTask.CompletedTask;
    }
}
