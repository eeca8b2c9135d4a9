using Threadline.Api;
using Threadline.Domain;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Webhooks;

namespace Threadline.Dashboard;

/// <summary>
/// What an operator may do from the dashboard, each through the same service the API uses (the same
/// rules, the same wakes), and each written to the log with who did it and on which node.
/// </summary>
internal sealed partial class DashboardActions(IStore store, RunService runs, WebhookEndpointService webhooks, DashboardReads reads, ILogger<DashboardActions> logger)
{
    public async Task<RunItem> CancelRunAsync(HttpContext http, string runId)
    {
        var ct = http.RequestAborted;
        if (await store.ReadAsync(s => s.Runs.RunGetByIdAsync(runId), ct) is not { } run)
            throw ApiException.NoSuch("run", runId);
        var outcome = await runs.CancelAsync(run.ProjectId, run.ThreadId, runId, ct);
        if (outcome.Problem is RunStatusRefused refused)
            throw ApiException.Conflict($"Cannot cancel run with status '{refused.Status}'.", "run_not_cancellable");
        var cancelled = outcome.OrThrow();
        LogAction(logger, "cancel run", runId, cancelled.Status, DashboardAccess.Operator(http), reads.Node);
        return RunItem.From(cancelled);
    }

    public async Task<DeliveryItem> ReplayDeliveryAsync(HttpContext http, string deliveryId)
    {
        var ct = http.RequestAborted;
        if (await store.ReadAsync(s => s.Dashboard.DashboardDeliveryGetAsync(deliveryId), ct) is not { } found)
            throw ApiException.NoSuch("webhook delivery", deliveryId);
        var replayed = (await webhooks.ReplayAsync(found.ProjectId, found.Delivery.EndpointId, deliveryId, ct)).OrThrow();
        LogAction(logger, "replay delivery", deliveryId, replayed.Status, DashboardAccess.Operator(http), reads.Node);
        return DeliveryItem.From(replayed with { EventType = found.Delivery.EventType });
    }

    public async Task<EndpointItem> SetEndpointEnabledAsync(HttpContext http, string endpointId, bool enabled)
    {
        var ct = http.RequestAborted;
        var endpoints = await store.ReadAsync(s => s.Dashboard.DashboardEndpointsAsync(), ct);
        if (endpoints.FirstOrDefault(e => e.Endpoint.Id == endpointId) is not { } found)
            throw ApiException.NoSuch("webhook endpoint", endpointId);
        var saved = (await webhooks.UpdateAsync(found.Endpoint.ProjectId, endpointId, new WebhookEndpointSettings { Enabled = enabled }, ct)).OrThrow();
        LogAction(logger, enabled ? "enable endpoint" : "disable endpoint", endpointId, enabled ? "enabled" : "disabled", DashboardAccess.Operator(http), reads.Node);
        return EndpointItem.From(saved.Endpoint, found.Pending);
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Dashboard: {Action} {Target} ({Result}) by {Operator} on {Node}")]
    private static partial void LogAction(ILogger logger, string action, string target, string result, string @operator, string node);
}
