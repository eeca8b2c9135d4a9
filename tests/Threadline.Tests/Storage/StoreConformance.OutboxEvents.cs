using System.Text.Json;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>The outbox: a run that settles records its events, with one delivery per endpoint that listens, in the transaction that settled it.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task A_settled_run_records_its_events_with_a_delivery_for_each_endpoint_that_listens()
    {
        var completedOnly = await EndpointAsync([WebhookEventTypes.RunCompleted]);
        var everything = await EndpointAsync([]);
        var failedOnly = await EndpointAsync([WebhookEventTypes.RunFailed]);
        var disabled = await EndpointAsync([], enabled: false);
        var elsewhere = await EndpointAsync([], project: "proj_other");
        var thread = await CreateThreadAsync();
        var run = await StartRunAsync(thread.Id);

        await FinishAsync(run, output: await BeginOutputAsync(run), reply: "done");

        var completed = Assert.Single(await DeliveriesAsync(completedOnly.Id));
        var all = await DeliveriesAsync(everything.Id);
        Assert.Equal([WebhookEventTypes.MessageCompleted, WebhookEventTypes.RunCompleted], all.Select(d => d.EventType));
        // One event, delivered to each endpoint that wants it.
        Assert.Equal(completed.EventId, all[1].EventId);
        Assert.All(all.Append(completed), d =>
            Assert.Equal((DeliveryStatus.Pending, 0, NowMs, thread.Id), (d.Status, d.Attempts, d.NextAttemptAtMs, d.ThreadId)));
        Assert.Empty(await DeliveriesAsync(failedOnly.Id));
        Assert.Empty(await DeliveriesAsync(disabled.Id));
        Assert.Empty(await DeliveriesAsync(elsewhere.Id, "proj_other"));
        // The body every attempt sends: the run as it ended.
        using var body = JsonDocument.Parse(completed.Payload);
        Assert.Equal(completed.EventId, body.RootElement.GetProperty("id").GetString());
        Assert.Equal(WebhookEventTypes.RunCompleted, body.RootElement.GetProperty("type").GetString());
        Assert.Equal(RunStatus.Completed, body.RootElement.GetProperty("data").GetProperty("run").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_rolled_back_transition_records_no_event()
    {
        var endpoint = await EndpointAsync([]);
        var thread = await CreateThreadAsync();
        var run = await StartRunAsync(thread.Id);

        await Assert.ThrowsAsync<WorkFailed>(() => WriteAsync(async s =>
        {
            Assert.NotNull(await Lifecycle.FinishAsync(s, new RunFinish(run.Id, run.Attempt, RunStatus.Completed, null, null, null, null, null)));
            throw new WorkFailed();
        }));

        Assert.Empty(await DeliveriesAsync(endpoint.Id));
        Assert.Null((await ReadAsync(s => s.Webhooks.WebhookDeliveryDeadlinesGetAsync(s.NowMs, 10))).NextDueAtMs);
        Assert.Equal(RunStatus.InProgress, (await RunAsync(run.Id)).Status);
        await FinishAsync(run);
        Assert.Equal([WebhookEventTypes.RunCompleted], (await DeliveriesAsync(endpoint.Id)).Select(d => d.EventType));
    }

    private async Task<WebhookEndpoint> EndpointAsync(IReadOnlyList<string> events, bool enabled = true, string project = Project)
    {
        var endpoint = StoreObjects.Endpoint(NowMs, events, enabled, project);
        await WriteAsync(s => s.Webhooks.WebhookEndpointInsertAsync(endpoint));
        return endpoint;
    }

    private async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(string endpointId, string project = Project) =>
        (await ReadAsync(s => s.Webhooks.WebhookDeliveryListAsync(project, endpointId, PageRequest.All))).Items;
}
