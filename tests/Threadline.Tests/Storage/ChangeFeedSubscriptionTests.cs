using Threadline.Domain;
using Threadline.Storage;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>A subscriber that comes and goes (a dashboard page) leaves the feed as it found it.</summary>
public sealed class ChangeFeedSubscriptionTests
{
    [Fact]
    public async Task OneSignalHearsEveryTopicItAskedForAndNothingOnceItLeft()
    {
        var feed = new ChangeFeed();
        var signal = new WakeSignal();
        feed.Subscribe(signal, ChangeTopic.Queue, ChangeTopic.Outbox);

        feed.Publish([StoreChange.Indexing]);
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
        feed.Publish([StoreChange.Outbox]);
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
        Assert.Equal(1, feed.SubscriberCount(ChangeTopic.Queue));

        feed.Unsubscribe(signal);

        feed.Publish([StoreChange.Queue, StoreChange.Outbox]);
        feed.PublishExternal();
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
        Assert.Equal(0, feed.SubscriberCount(ChangeTopic.Queue));
        Assert.Equal(0, feed.SubscriberCount(ChangeTopic.Outbox));
    }

    [Fact]
    public async Task ManySubscribersComingAndGoingAtOnceLeaveNone()
    {
        var feed = new ChangeFeed();
        var keeper = feed.Subscribe(ChangeTopic.Queue);

        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), async (_, _) =>
        {
            var signal = new WakeSignal();
            feed.Subscribe(signal, ChangeTopic.Queue, ChangeTopic.Run);
            await Task.Yield();
            feed.Unsubscribe(signal);
        });

        Assert.Equal(1, feed.SubscriberCount(ChangeTopic.Queue));
        Assert.Equal(0, feed.SubscriberCount(ChangeTopic.Run));
        feed.Publish([StoreChange.Queue]);
        Assert.True(await keeper.WaitAsync(TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
    }
}
