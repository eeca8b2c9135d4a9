using Microsoft.Extensions.Time.Testing;
using Threadline.Messages;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Threads;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// The storage contract, written once for every dialect: each test talks only to <see cref="IStore"/>,
/// <see cref="IStoreSession"/>, the driver interfaces and the rules written over them
/// (<see cref="RunLifecycle"/>, <see cref="MessageAppend"/>, <see cref="ThreadCreation"/>, <see cref="Outbox"/>).
/// A dialect runs it by deriving a class that passes its <see cref="IStoreFactory"/>. Each test gets a
/// fresh database and a fake clock: time moves only when the test moves it, and every write reads it
/// through <see cref="IStoreSession.NowMs"/>, so leases, debounce and expiry are tested without sleeping.
/// The tests of one concept live in the file <c>StoreConformance.{Concept}.cs</c>.
/// </summary>
public abstract partial class StoreConformance : IAsyncLifetime
{
    private const string Project = StoreObjects.Project;
    private const string Owner = "process-a";
    private const long LeaseMs = 30_000;
    private const string CallId = "call_conformance";

    /// <summary>How long any one store call may take before the test fails instead of hanging.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly IStoreFactory _factory;
    private IStoreDatabase? _database;

    private protected StoreConformance(IStoreFactory factory) => _factory = factory;

    /// <summary>A fixed start a quarter second past a whole second, so that second and millisecond times differ on every run alike.</summary>
    private FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero));

    private IStoreDatabase Database => _database ?? throw new InvalidOperationException("not initialized");

    /// <summary>The store under test (as one server process has it).</summary>
    private IStore Store { get; set; } = null!;

    private RunLifecycle Lifecycle { get; } = new(new Outbox(new WebhookPayloads()));

    private ClaimFor Claim { get; } = new(Owner, LeaseMs);

    private long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        _database = await _factory.CreateAsync(Clock);
        Store = await _database.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }

    private void Advance(long ms) => Clock.Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>Moves the clock to <paramref name="unixMs"/>, which must not be in its past.</summary>
    private void AdvanceTo(long unixMs)
    {
        Assert.True(unixMs >= NowMs, $"cannot move the clock back to {unixMs} from {NowMs}");
        Advance(unixMs - NowMs);
    }

    // :: Store calls, bounded in time

    private Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, IStore? on = null) =>
        (on ?? Store).WriteAsync(work, CancellationToken.None).WaitAsync(Patience);

    private Task WriteAsync(Func<IStoreSession, ValueTask> work, IStore? on = null) =>
        WriteAsync(async s =>
        {
            await work(s);
            return true;
        }, on);

    private Task<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work, IStore? on = null) =>
        (on ?? Store).ReadAsync(work, CancellationToken.None).AsTask().WaitAsync(Patience);

    // :: Threads and messages

    private async Task<ConversationThread> CreateThreadAsync(string? externalId = null, IStore? on = null) =>
        (await WriteAsync(s => ThreadCreation.CreateAsync(s, new ThreadCreate(StoreObjects.Thread(s.NowMs, externalId: externalId), [])), on)).Thread;

    private Task<ConversationThread> ThreadAsync(string threadId) =>
        ReadAsync(async s => await s.Threads.ThreadGetAsync(Project, threadId) ?? throw new InvalidOperationException($"no thread {threadId}"));

    private async Task<Message> AppendAsync(string threadId, string text, string role = MessageRole.User) =>
        (await WriteAsync(s => MessageAppend.AppendAsync(s, StoreObjects.Message(threadId, s.NowMs, text, role), onlyIfIdle: false))).Message
        ?? throw new InvalidOperationException($"no thread {threadId}");

    private async Task<IReadOnlyList<Message>> MessagesAsync(string threadId) =>
        (await ReadAsync(s => s.Messages.MessageListAsync(Project, threadId, null, PageRequest.All, messagesOnly: false))).Items;

    // :: Runs

    private Task<RunCreateResult> CreateRunAsync(string threadId, string? id = null, long debounceMs = 0, long maxWaitMs = 0,
        string assistant = StoreObjects.Assistant, OnActive onActive = OnActive.Queue, IReadOnlyList<Message>? additional = null) =>
        WriteAsync(s => Lifecycle.CreateAsync(s, new RunCreate(
            StoreObjects.Run(threadId, s.NowMs, id, debounceMs, maxWaitMs, assistant), null, additional ?? [], onActive)));

    /// <summary>Makes a run and claims it (the thread must be idle).</summary>
    private async Task<Run> StartRunAsync(string threadId, IReadOnlyList<Message>? additional = null)
    {
        var made = (await CreateRunAsync(threadId, additional: additional)).Run!;
        var claimed = await ClaimHeadAsync(threadId);
        Assert.Equal(made.Id, claimed?.Id);
        return claimed!;
    }

    private Task<Run?> ClaimHeadAsync(string threadId, IStore? on = null) =>
        WriteAsync(s => Lifecycle.ClaimHeadAsync(s, threadId, Claim), on);

    private Task<IReadOnlyList<Run>> ClaimNextAsync(int max = 10) => WriteAsync(s => Lifecycle.ClaimNextAsync(s, Claim, max));

    private Task<Run> RunAsync(string runId) =>
        ReadAsync(async s => await s.Runs.RunGetByIdAsync(runId) ?? throw new InvalidOperationException($"no run {runId}"));

    /// <summary>Ends a claimed run as its execution would, with the reply begun by <paramref name="output"/> if any.</summary>
    private async Task<RunEnded> FinishAsync(Run claimed, string status = RunStatus.Completed, RunOutput? output = null, string? reply = null) =>
        await WriteAsync(s => Lifecycle.FinishAsync(s, new RunFinish(claimed.Id, claimed.Attempt, status, output, reply, null, null, null)))
        ?? throw new InvalidOperationException($"run {claimed.Id} attempt {claimed.Attempt} is no longer held");

    /// <summary>Begins the reply of a claimed run; returns it, to finish with.</summary>
    private async Task<RunOutput> BeginOutputAsync(Run claimed)
    {
        var output = RunOutput.Begin(claimed, NowMs / 1000);
        Assert.True(await WriteAsync(s => Lifecycle.OutputBeginAsync(s, output, claimed.Attempt)));
        return output;
    }

    /// <summary>Claims and completes the thread's runs one after another while any may start; returns them in the order they started.</summary>
    private async Task<IReadOnlyList<string>> RunQueueDryAsync(string threadId)
    {
        var started = new List<string>();
        while (await ClaimHeadAsync(threadId) is { } run)
        {
            started.Add(run.Id);
            await FinishAsync(run);
        }
        return started;
    }

    /// <summary>The execution of a claimed run asks for one tool call and waits for its output until <paramref name="expiresAt"/> (unix s).</summary>
    private async Task<RunRequireActionResult> RequireActionAsync(Run claimed, long expiresAt) =>
        await WriteAsync(s => Lifecycle.RequireActionAsync(s, new RunRequireAction(claimed.Id, claimed.Attempt, null, null,
            [new ToolCall(CallId, "lookup", "{}")], expiresAt, null)))
        ?? throw new InvalidOperationException($"run {claimed.Id} attempt {claimed.Attempt} is no longer held");

    private Task<RunToolOutputsResult> SubmitOutputAsync(Run waiting) =>
        WriteAsync(s => Lifecycle.SubmitToolOutputsAsync(s, new RunToolOutputsSubmit(Project, waiting.ThreadId, waiting.Id,
            [KeyValuePair.Create(CallId, "42")])));

    private Task<RunRescueResult> RescueAsync() => WriteAsync(s => Lifecycle.RescueAsync(s, 100));

    private Task<QueueDeadlines> DeadlinesAsync() => ReadAsync(s => s.Runs.RunDeadlinesGetAsync());

    /// <summary>Thrown by a write's work to roll it back.</summary>
    private sealed class WorkFailed() : Exception("the work of this write failed");
}
