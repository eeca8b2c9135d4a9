using Threadline.Dashboard;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage.Drivers;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Storage.Sqlite;

// SCAFFOLD: written by the storage work for issue 13; nothing calls it until then.
internal sealed class SqliteDashboardDriver(SqliteSession s) : IDashboardDriver
{
    private readonly SqliteSession _s = s;
    public ValueTask<IReadOnlyDictionary<string, long>> DashboardLiveCountsAsync() => throw new NotImplementedException();
    public ValueTask<Run?> DashboardOldestQueuedAsync() => throw new NotImplementedException();
    public ValueTask<IReadOnlyList<MinuteStats>> DashboardMinutesAsync(long sinceMs) => throw new NotImplementedException();
    public ValueTask<SeqPage<ConversationThread>> DashboardThreadsAsync(ThreadQuery query) => throw new NotImplementedException();
    public ValueTask<IReadOnlyList<Run>> DashboardThreadQueueAsync(string threadId) => throw new NotImplementedException();
    public ValueTask<SeqPage<Message>> DashboardMessagesAsync(string threadId, long? beforeSeq, int limit) => throw new NotImplementedException();
    public ValueTask<SeqPage<Run>> DashboardRunsAsync(RunQuery query) => throw new NotImplementedException();
    public ValueTask<IReadOnlyList<EndpointSummary>> DashboardEndpointsAsync() => throw new NotImplementedException();
    public ValueTask<SeqPage<WebhookDelivery>> DashboardDeliveriesAsync(DeliveryQuery query) => throw new NotImplementedException();
    public ValueTask<(WebhookDelivery Delivery, string ProjectId)?> DashboardDeliveryGetAsync(string deliveryId) => throw new NotImplementedException();
    public ValueTask<IReadOnlyList<LeaseHolder>> DashboardLeaseHoldersAsync(long nowMs) => throw new NotImplementedException();
}
