using System.Data.Common;
using Threadline.Dashboard;
using Threadline.Runs;
using Threadline.Webhooks;

namespace Threadline.Storage;

internal static partial class Rows
{
    /// <summary>The statuses the overview counts live, as SQL: the queued and the active.</summary>
    public const string LiveStatuses = "('queued', 'in_progress', 'requires_action', 'cancelling')";

    /// <summary>Every live status at 0, for the counts read to fill in (a status with no run has no row).</summary>
    public static Dictionary<string, long> NoLiveRuns() => new(StringComparer.Ordinal)
    {
        [RunStatus.Queued] = 0, [RunStatus.InProgress] = 0, [RunStatus.RequiresAction] = 0, [RunStatus.Cancelling] = 0,
    };

    /// <summary>A minute, its three counts, then the average and maximum of the queue wait and of the time to first token.</summary>
    public static MinuteStats Minute(DbDataReader r) => new(
        r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2), (int)r.GetInt64(3),
        r.Double(4), r.Long(5), r.Double(6), r.Long(7));

    /// <summary>An endpoint's columns, then how many of its deliveries are pending.</summary>
    public static EndpointSummary EndpointPending(DbDataReader r) => new(Endpoint(r), r.GetInt64(EndpointColumnCount));

    public const int EndpointColumnCount = 13;

    /// <summary>A delivery's columns, then its project.</summary>
    public static (WebhookDelivery Delivery, string ProjectId) DeliveryOfProject(DbDataReader r) => (Delivery(r), r.GetString(DeliveryColumnCount));

    /// <summary>An owner, its runs, deliveries and files held, and the earliest of their leases to lapse.</summary>
    public static LeaseHolder Holder(DbDataReader r) => new(r.GetString(0), (int)r.GetInt64(1), (int)r.GetInt64(2), (int)r.GetInt64(3), r.Long(4));
}
