using Threadline.Dashboard;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Storage.Drivers;

/// <summary>
/// The operator's reads, across every project: each one pages newest first by <c>seq</c> with a
/// <c>before</c> cursor, and each is served by an index, so that a page costs the same at a million
/// messages as at ten (docs/dashboard.md).
/// </summary>
internal interface IDashboardDriver
{
    /// <summary>How many runs are queued, in progress, waiting for tool outputs and cancelling now (statuses absent count 0).</summary>
    ValueTask<IReadOnlyDictionary<string, long>> DashboardLiveCountsAsync();

    /// <summary>The queued run that was made first, over every thread; null when nothing waits.</summary>
    ValueTask<Run?> DashboardOldestQueuedAsync();

    /// <summary>Runs that ended at or after <paramref name="sinceMs"/>, by the minute they ended in, oldest minute first (minutes with none left out).</summary>
    ValueTask<IReadOnlyList<MinuteStats>> DashboardMinutesAsync(long sinceMs);

    ValueTask<SeqPage<ConversationThread>> DashboardThreadsAsync(ThreadQuery query);

    /// <summary>The thread's active run (if any) first, then its queued runs in the order they will start.</summary>
    ValueTask<IReadOnlyList<Run>> DashboardThreadQueueAsync(string threadId);

    /// <summary>The thread's messages, newest first (position order), every kind.</summary>
    ValueTask<SeqPage<Message>> DashboardMessagesAsync(string threadId, long? beforeSeq, int limit);

    ValueTask<SeqPage<Run>> DashboardRunsAsync(RunQuery query);

    /// <summary>Every webhook endpoint, with how many of its deliveries are pending.</summary>
    ValueTask<IReadOnlyList<EndpointSummary>> DashboardEndpointsAsync();

    ValueTask<SeqPage<WebhookDelivery>> DashboardDeliveriesAsync(DeliveryQuery query);

    /// <summary>A delivery by id with its project, for the replay action.</summary>
    ValueTask<(WebhookDelivery Delivery, string ProjectId)?> DashboardDeliveryGetAsync(string deliveryId);

    /// <summary>Every process holding a lease now: on runs, on deliveries being sent, on files being indexed.</summary>
    ValueTask<IReadOnlyList<LeaseHolder>> DashboardLeaseHoldersAsync(long nowMs);
}
