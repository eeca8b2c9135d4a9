using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Tests.Infrastructure;
using Threadline.Threads;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// The webhook dispatcher in this process, on a fake clock (<see cref="CoreHarness"/>: a real SQLite
/// file, the real store and lifecycle, the dispatcher's named HTTP client), whose passes the test runs
/// one at a time with <see cref="DeliverDueAsync"/> after moving <see cref="Clock"/>. Runs are made
/// and completed through the run lifecycle, as an execution does, so their events land in the outbox.
/// </summary>
internal sealed class DispatcherHarness : IAsyncDisposable
{
    public const string Project = CoreHarness.Project;
    private readonly CoreHarness _core;
    private readonly string _assistantId;
    private readonly ClaimFor _executor = new("test-executor", 60_000);

    private DispatcherHarness(CoreHarness core, WebhookOptions options, string assistantId)
    {
        _core = core;
        Options = options;
        _assistantId = assistantId;
    }

    public FakeTimeProvider Clock => _core.Clock;

    public CoreHarness Core => _core;

    public IStore Store => _core.Store;

    public WebhookOptions Options { get; }

    public WebhookDispatcher Dispatcher => _core.Get<WebhookDispatcher>();

    public long NowMs => _core.NowMs;

    public static async Task<DispatcherHarness> StartAsync(WebhookOptions options)
    {
        var core = await CoreHarness.StartAsync(configure: services => services.AddSingleton(options));
        var assistant = await core.Get<AssistantService>().CreateAsync(Project, new AssistantSettings { Model = "echo" }, CancellationToken.None);
        return new DispatcherHarness(core, options, assistant.Id);
    }

    public async Task<WebhookEndpoint> CreateEndpointAsync(Uri url, params string[] events)
    {
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("we"), ProjectId = Project, CreatedAt = Clock.GetUtcNow().ToUnixTimeSeconds(), Url = url.ToString(),
            Events = events, Secret = WebhookSigner.NewSecret(), Metadata = RawJson.EmptyObject,
        };
        await Store.WriteAsync(async s => { await s.Webhooks.WebhookEndpointInsertAsync(endpoint); return true; }, CancellationToken.None);
        return endpoint;
    }

    public async Task<string> CreateThreadAsync() =>
        (await _core.Get<ThreadService>().CreateAsync(Project, new NewThread(null, RawJson.Null, RawJson.EmptyObject, []), CancellationToken.None)).Thread.Id;

    /// <summary>Makes a run on the thread (a new one by default), claims it, writes <paramref name="reply"/> and completes it, at the fake now.</summary>
    public async Task<(string ThreadId, string RunId)> CompleteRunAsync(string? threadId = null, string reply = "done")
    {
        threadId ??= await CreateThreadAsync();
        var lifecycle = _core.Get<RunLifecycle>();
        var now = NowMs;
        var run = new Run
        {
            Id = Ids.Run(), ProjectId = Project, ThreadId = threadId, AssistantId = _assistantId, Status = RunStatus.Queued,
            CreatedAt = now / 1000, Model = "echo", Tools = RawJson.EmptyArray, Metadata = RawJson.EmptyObject,
            TruncationStrategy = RawJson.Trusted("""{"type":"auto","last_messages":null}"""),
            ToolChoice = WireDefaults.Auto, ResponseFormat = WireDefaults.Auto, CreatedAtMs = now, EligibleAtMs = now,
        };
        var created = await Store.WriteAsync(s => lifecycle.CreateAsync(s, new RunCreate(run, null, [], OnActive.Queue) { Claim = _executor }), CancellationToken.None);
        var claimed = created.Claimed;
        Assert.Equal(run.Id, claimed?.Id);
        var output = RunOutput.Begin(claimed!, now / 1000);
        Assert.True(await Store.WriteAsync(s => lifecycle.OutputBeginAsync(s, output, claimed!.Attempt), CancellationToken.None));
        var finished = await Store.WriteAsync(s => lifecycle.FinishAsync(s,
            new RunFinish(run.Id, claimed!.Attempt, RunStatus.Completed, output, reply, null, null, null)), CancellationToken.None);
        Assert.Equal(RunStatus.Completed, finished?.Run.Status);
        return (threadId, run.Id);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(string endpointId) =>
        (await Store.ReadAsync(s => s.Webhooks.WebhookDeliveryListAsync(Project, endpointId, PageRequest.All), CancellationToken.None)).Items;

    public async Task<WebhookDelivery> SingleDeliveryAsync(string endpointId) => Assert.Single(await DeliveriesAsync(endpointId));

    public async Task<WebhookEndpoint> EndpointAsync(string endpointId) =>
        await Store.ReadAsync(s => s.Webhooks.WebhookEndpointGetAsync(Project, endpointId), CancellationToken.None)
            ?? throw new InvalidOperationException($"no endpoint {endpointId}");

    /// <summary>One dispatcher pass at the fake now, waiting for its attempts; returns how many it started.</summary>
    public async Task<int> DeliverDueAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await Dispatcher.DeliverDueAsync(timeout.Token).WaitAsync(timeout.Token);
    }

    /// <summary>Moves the fake clock to <paramref name="unixMs"/> (which must not be in its past).</summary>
    public void AdvanceTo(long unixMs)
    {
        var by = unixMs - NowMs;
        Assert.True(by >= 0, $"cannot move the clock back by {-by} ms");
        Clock.Advance(TimeSpan.FromMilliseconds(by));
    }

    public ValueTask DisposeAsync() => _core.DisposeAsync();
}
