using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Queue;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Sqlite;
using Threadline.Threads;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// The webhook dispatcher in this process, on a fake clock: a real SQLite file in a temporary folder,
/// the real store, a real HTTP client factory (the dispatcher's named client), and a
/// <see cref="WebhookDispatcher"/> whose passes the test runs one at a time with
/// <see cref="DeliverDueAsync"/> after moving <see cref="Clock"/>. Runs are made and completed
/// through the store's public methods, as the executor does, so their events land in the outbox.
/// </summary>
internal sealed class DispatcherHarness : IAsyncDisposable
{
    public const string Project = "default";
    private readonly string _directory;
    private readonly ServiceProvider _services;
    private readonly ProcessIdentity _executor = new();
    private readonly string _assistantId;

    private DispatcherHarness(string directory, ServiceProvider services, FakeTimeProvider clock, SqliteStore store, WebhookOptions options,
        WebhookDispatcher dispatcher, string assistantId)
    {
        _directory = directory;
        _services = services;
        Clock = clock;
        Store = store;
        Options = options;
        Dispatcher = dispatcher;
        _assistantId = assistantId;
    }

    public FakeTimeProvider Clock { get; }

    public SqliteStore Store { get; }

    public WebhookOptions Options { get; }

    public WebhookDispatcher Dispatcher { get; }

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static async Task<DispatcherHarness> StartAsync(WebhookOptions options)
    {
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "threadline-tests", "webhooks-" + Guid.NewGuid().ToString("N"))).FullName;
        var db = new SqliteDatabase(new SqliteOptions { Path = Path.Combine(directory, "threadline.db") });
        await new SqliteMigrator(db, NullLogger<SqliteMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new SqliteStore(db, new WebhookPayloads(), clock);

        // The same named client as the server registers: no client-level timeout, the dispatcher's own applies.
        var services = new ServiceCollection();
        services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        var provider = services.BuildServiceProvider();

        var dispatcher = new WebhookDispatcher(store, provider.GetRequiredService<IHttpClientFactory>(), new DeliverySignal(), new ProcessIdentity(),
            options, clock, NullLogger<WebhookDispatcher>.Instance);

        var assistantId = Ids.Assistant();
        await store.AssistantInsertAsync(new Assistant
        {
            Id = assistantId, ProjectId = Project, CreatedAt = clock.GetUtcNow().ToUnixTimeSeconds(), Model = "echo", Tools = [], Metadata = Metadata.Empty,
        }, CancellationToken.None);
        return new DispatcherHarness(directory, provider, clock, store, options, dispatcher, assistantId);
    }

    public async Task<WebhookEndpoint> CreateEndpointAsync(Uri url, params string[] events)
    {
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("we"), ProjectId = Project, CreatedAt = Clock.GetUtcNow().ToUnixTimeSeconds(), Url = url.ToString(),
            Events = events, Secret = WebhookSigner.NewSecret(), Metadata = Metadata.Empty,
        };
        await Store.WebhookEndpointInsertAsync(endpoint, CancellationToken.None);
        return endpoint;
    }

    public async Task<string> CreateThreadAsync()
    {
        var thread = new ConversationThread { Id = Ids.Thread(), ProjectId = Project, CreatedAt = Clock.GetUtcNow().ToUnixTimeSeconds(), Metadata = Metadata.Empty };
        var created = await Store.ThreadCreateAsync(new ThreadCreate(thread, [], NowMs), CancellationToken.None);
        return created.Thread.Id;
    }

    /// <summary>Makes a run on the thread (a new one by default), claims it, writes <paramref name="reply"/> and completes it, at the fake now.</summary>
    public async Task<(string ThreadId, string RunId)> CompleteRunAsync(string? threadId = null, string reply = "done")
    {
        threadId ??= await CreateThreadAsync();
        var now = NowMs;
        var run = new Run
        {
            Id = Ids.Run(), ProjectId = Project, ThreadId = threadId, AssistantId = _assistantId, Status = RunStatus.Queued,
            CreatedAt = now / 1000, Model = "echo", Tools = [], Metadata = Metadata.Empty,
            TruncationStrategy = new JsonObject { ["type"] = "auto", ["last_messages"] = null },
            ToolChoice = JsonValue.Create("auto"), ResponseFormat = JsonValue.Create("auto"),
            CreatedAtMs = now, EligibleAtMs = now,
        };
        var created = await Store.RunCreateAsync(new RunCreate(run, null, [], OnActive.Queue, now), CancellationToken.None);
        Assert.NotNull(created.Run);
        var claimed = await Store.RunClaimNextAsync(new RunClaim(_executor.Owner, now, 60_000, 10), CancellationToken.None);
        Assert.Equal([run.Id], claimed.Select(r => r.Id));
        var output = await Store.RunOutputBeginAsync(new RunOutputBegin(run.Id, _executor.Owner, now), CancellationToken.None);
        Assert.NotNull(output);
        var finished = await Store.RunFinishAsync(new RunFinish(run.Id, _executor.Owner, now, RunStatus.Completed, output, reply, null, null, null), CancellationToken.None);
        Assert.Equal(RunStatus.Completed, finished.Run?.Status);
        return (threadId, run.Id);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(string endpointId) =>
        (await Store.WebhookDeliveryListAsync(Project, endpointId, PageRequest.All, CancellationToken.None)).Items;

    public async Task<WebhookDelivery> SingleDeliveryAsync(string endpointId) => Assert.Single(await DeliveriesAsync(endpointId));

    public async Task<WebhookEndpoint> EndpointAsync(string endpointId) =>
        await Store.WebhookEndpointGetAsync(Project, endpointId, CancellationToken.None) ?? throw new InvalidOperationException($"no endpoint {endpointId}");

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

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
