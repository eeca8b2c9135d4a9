using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Threadline.Api;
using Threadline.Assistants;
using Threadline.Hosting;
using Threadline.Messages;
using Threadline.Models;
using Threadline.Queue;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Storage.Sqlite;
using Threadline.Streaming;
using Threadline.Tests.Infrastructure;
using Threadline.Threads;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Runs;

/// <summary>
/// A run waiting for tool outputs expires once <c>Threadline:Queue:ToolOutputsTimeout</c> has passed (I6):
/// in this process, on a fake clock, with the server's own scheduler, executor, services and SQLite store
/// on a real database file. The scheduler's passes are run one at a time with <see cref="RunScheduler.RunOnceAsync"/>.
/// </summary>
public sealed class ToolOutputsExpiryTests : IAsyncLifetime
{
    private const string Project = "default";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly string _directory = Directory.CreateDirectory(
        Path.Combine(Path.GetTempPath(), "threadline-tests", "expiry-" + Guid.NewGuid().ToString("N"))).FullName;

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly QueueOptions _queue = new() { ToolOutputsTimeout = TimeSpan.FromMinutes(10), LeaseTimeout = TimeSpan.FromSeconds(30) };
    private ServiceProvider _services = null!;

    private IThreadlineStore Store => _services.GetRequiredService<IThreadlineStore>();

    private RunScheduler Scheduler => _services.GetRequiredService<RunScheduler>();

    private RunService Runs => _services.GetRequiredService<RunService>();

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton(new ThreadlineOptions { DataDirectory = _directory });
        services.AddSingleton(new SqliteOptions { Path = Path.Combine(_directory, "threadline.db") });
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteMigrator>();
        services.AddSingleton<IThreadlineStore, SqliteStore>();
        services.AddSingleton<IEventPayloads, WebhookPayloads>();
        services.AddSingleton(_queue);
        services.AddSingleton<ProcessIdentity>();
        services.AddSingleton<SchedulerSignal>();
        services.AddSingleton<ActiveRuns>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunScheduler>();
        services.AddSingleton<EchoChatClient>();
        services.AddSingleton(new ModelOptions());
        services.AddSingleton<ModelRouter>();
        services.AddSingleton<ModelCaller>();
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<RunEventFeed>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<MessageFactory>();
        services.AddSingleton<AssistantService>();
        services.AddSingleton<ThreadService>();
        services.AddSingleton<RunService>();
        services.AddSingleton<Telemetry.ThreadlineMetrics>();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await _services.GetRequiredService<SqliteMigrator>().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
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

    [Fact]
    public async Task ARunWaitingForToolOutputsExpiresWithItsToolStepOnceTheTimeoutHasPassed()
    {
        var ct = CancellationToken.None;
        var assistant = await _services.GetRequiredService<AssistantService>().CreateAsync(Project, new AssistantRequest
        {
            Model = "echo",
            Tools = new JsonArray(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "lookup" } }),
        }, ct);
        var thread = (await _services.GetRequiredService<ThreadService>().CreateAsync(Project, new ThreadRequest
        {
            Messages = [new MessageRequest { Role = "user", Content = JsonValue.Create("""call:lookup {"q":"x"}""") }],
        }, ct)).Thread;
        var runId = (await Runs.CreateAsync(Project, thread.Id, new RunRequest { AssistantId = assistant.Id }, ct)).Run!.Id;
        var claimedAt = _clock.GetUtcNow();

        await Scheduler.RunOnceAsync(ct);
        var waiting = await UntilAsync(thread.Id, runId, r => r.Status != RunStatus.Queued && r.Status != RunStatus.InProgress);

        Assert.Equal(RunStatus.RequiresAction, waiting.Status);
        Assert.Equal((claimedAt + _queue.ToolOutputsTimeout).ToUnixTimeSeconds(), waiting.ExpiresAt);
        var callId = (string)waiting.RequiredAction!["submit_tool_outputs"]!["tool_calls"]![0]!["id"]!;
        var toolStep = Assert.Single(await StepsAsync(thread.Id, runId));
        Assert.Equal((RunStepType.ToolCalls, "in_progress"), (toolStep.Type, toolStep.Status));

        // A second short of the timeout: still waiting.
        _clock.Advance(_queue.ToolOutputsTimeout - TimeSpan.FromSeconds(1));
        await Scheduler.RunOnceAsync(ct);
        Assert.Equal(RunStatus.RequiresAction, (await RunAsync(thread.Id, runId)).Status);

        // Past it: the pass expires the run and its tool step.
        _clock.Advance(TimeSpan.FromSeconds(2));
        await Scheduler.RunOnceAsync(ct);

        var expired = await RunAsync(thread.Id, runId);
        Assert.Equal(RunStatus.Expired, expired.Status);
        Assert.Null(expired.RequiredAction);
        var expiredStep = Assert.Single(await StepsAsync(thread.Id, runId));
        Assert.Equal(RunStatus.Expired, expiredStep.Status);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), expiredStep.ExpiredAt);
        SpecSchemas.AssertValid("RunObject", JsonSerializer.SerializeToNode(RunObject.From(expired), WireJson.Options));
        SpecSchemas.AssertValid("RunStepObject", JsonSerializer.SerializeToNode(RunStepObject.From(expiredStep), WireJson.Options));

        var late = await Assert.ThrowsAsync<ApiException>(() => Runs.SubmitToolOutputsAsync(Project, thread.Id, runId,
            new ToolOutputsRequest { ToolOutputs = [new ToolOutput { ToolCallId = callId, Output = "too late" }] }, ct));
        Assert.Equal(400, late.Status);
        Assert.Equal("invalid_request_error", late.Type);
        Assert.Equal("Runs in status \"expired\" do not accept tool outputs.", late.Message);
        Assert.Equal(RunStatus.Expired, (await RunAsync(thread.Id, runId)).Status);

        // The thread is free again: its next run is claimed and answers.
        var next = (await Runs.CreateAsync(Project, thread.Id, new RunRequest
        {
            AssistantId = assistant.Id,
            AdditionalMessages = [new MessageRequest { Role = "user", Content = JsonValue.Create("still there?") }],
        }, ct)).Run!;
        await Scheduler.RunOnceAsync(ct);
        var completed = await UntilAsync(thread.Id, next.Id, r => r.IsTerminal);
        Assert.Equal(RunStatus.Completed, completed.Status);
    }

    private async Task<Run> RunAsync(string threadId, string runId) =>
        await Store.RunGetAsync(Project, threadId, runId, CancellationToken.None) ?? throw new InvalidOperationException($"no run {runId}");

    private async Task<IReadOnlyList<RunStep>> StepsAsync(string threadId, string runId) =>
        (await Store.RunStepListAsync(Project, threadId, runId, PageRequest.All, CancellationToken.None)).Items;

    /// <summary>The executor works on its own task: poll the store, in real time, until the run gets there.</summary>
    private async Task<Run> UntilAsync(string threadId, string runId, Func<Run, bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var run = await RunAsync(threadId, runId);
            if (condition(run))
                return run;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"run {runId} is still {run.Status} after {Deadline}");
            await Task.Delay(20);
        }
    }
}
