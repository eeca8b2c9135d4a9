using Microsoft.Extensions.Options;
using Threadline.Domain;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Queue;

/// <summary>
/// Claims runs that may start and hands them to the executor. The database decides which runs may
/// start (I1, I2); this loop decides only when to ask: when the store announces a queue change, when
/// a slot frees, or at the queue's next deadline (a debounced head becoming eligible, a wait for
/// tool outputs expiring, a lease lapsing), and never otherwise: an idle queue costs nothing. At
/// shutdown it lets running executions finish within the host's shutdown timeout, then releases the
/// rest so that another process takes them over at once. It does so as the host begins to stop
/// (<see cref="IHostedLifecycleService.StoppingAsync"/>), before the server waits for open requests:
/// else a stream still open would keep it claiming runs on a process about to exit.
/// </summary>
internal sealed partial class RunScheduler(
    IStore store, RunLifecycle lifecycle, RunExecutor executor, ExecutionSlots slots, LeaseKeeper leases, Streaming.RunEventHub hub, ProcessIdentity identity,
    QueueOptions options, IOptions<HostOptions> host, TimeProvider time, ILogger<RunScheduler> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>Time kept from the host's shutdown timeout for releasing runs and stopping what comes after.</summary>
    internal static readonly TimeSpan ReleaseReserve = TimeSpan.FromSeconds(2);
    private const int RescueBatch = 100;

    /// <summary>A deadline said there was work and the write found none (another process took it): look again shortly, never in a tight loop.</summary>
    private static readonly TimeSpan NothingAfterAll = TimeSpan.FromMilliseconds(50);

    /// <summary>Woken by the store's queue announcements and by freed slots.</summary>
    private readonly WakeSignal _wake = slots.WakeOnRelease(store.Changes.Subscribe(ChangeTopic.Queue));
    private readonly HashSet<Task> _running = [];

    private ClaimFor Claim => new(identity.Owner, (long)options.LeaseTimeout.TotalMilliseconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, identity.Owner, options.LeaseTimeout.TotalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await RunOnceAsync(stoppingToken);
            }
            catch (StoreUnavailableException e) when (!stoppingToken.IsCancellationRequested)
            {
                // Expected while the database is away, so no stack; the listener's reconnection wakes the loop earlier.
                LogPassUnavailable(logger, e.InnerException?.Message ?? e.Message);
                wait = TimeSpan.FromSeconds(1);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, e);
                wait = TimeSpan.FromSeconds(1);
            }
            if (wait == TimeSpan.Zero)
                continue;
            await _wake.WaitAsync(wait, time, stoppingToken);
        }
    }

    /// <summary>
    /// One pass: read the queue's deadlines (a read); apply lapsed leases and expired waits when one is
    /// due, claim what may run when something may; else say how long to sleep. A pass that wrote
    /// returns zero, so the next one reads the deadlines afresh.
    /// </summary>
    public async Task<TimeSpan> RunOnceAsync(CancellationToken ct)
    {
        var deadlines = await store.ReadAsync(s => s.Runs.RunDeadlinesGetAsync(), ct);
        var now = time.UnixMilliseconds();
        var timeouts = Math.Min(deadlines.NextExpiryAtMs ?? long.MaxValue, deadlines.NextLeaseLapseAtMs is { } lapse ? lapse + 1 : long.MaxValue);

        // :: Timeouts (I5, I6)
        if (timeouts <= now)
        {
            var rescued = await store.WriteAsync(s => lifecycle.RescueAsync(s, RescueBatch), ct);
            if (rescued.Total > 0)
                LogRescued(logger, rescued.Requeued, rescued.Failed, rescued.Cancelled, rescued.Expired);
            return rescued.Total > 0 ? TimeSpan.Zero : NothingAfterAll;
        }

        // :: Claims, as many as there are free slots
        if (deadlines.NextEligibleAtMs <= now && slots.TakeUpTo(slots.Free) is var taken and > 0)
        {
            IReadOnlyList<Run> claimed;
            try
            {
                claimed = await store.WriteAsync(s => lifecycle.ClaimNextAsync(s, Claim, taken), ct);
            }
            catch
            {
                slots.Release(taken);
                throw;
            }
            slots.Release(taken - claimed.Count);
            foreach (var run in claimed)
                Start(run);
            return claimed.Count > 0 ? TimeSpan.Zero : NothingAfterAll;
        }

        // :: Sleep until the next deadline; with every slot taken, a freed slot matters, not eligible heads.
        var eligible = slots.Free > 0 ? deadlines.NextEligibleAtMs ?? long.MaxValue : long.MaxValue;
        var due = Math.Min(eligible, timeouts);
        if (due == long.MaxValue)
            return Timeout.InfiniteTimeSpan;
        return TimeSpan.FromMilliseconds(Math.Clamp(due - now, 1, int.MaxValue));
    }

    /// <summary>Takes a slot for a run a request is about to make, so that the request can claim it in its own transaction.</summary>
    public SlotReservation? Reserve() => options.Enabled && !_stopping && slots.TakeUpTo(1) == 1 ? new SlotReservation(this) : null;

    private volatile bool _stopping;

    private void ReleaseSlot() => slots.Release();

    /// <summary>Executes a claimed run (and the runs handed to its slot after it), in a slot already taken.</summary>
    private void Start(Run run)
    {
        hub.Open(run.Id, run.Attempt);
        Task task = null!;
        lock (_running)
        {
            task = Task.Run(async () =>
            {
                try
                {
                    var next = await executor.ExecuteAsync(run, null, CancellationToken.None);
                    while (next is not null)
                        next = await executor.ExecuteAsync(next.Run, next.EndedAt, CancellationToken.None);
                }
                catch (StoreUnavailableException e)
                {
                    // Ending the run (after a model failure or a cancel) could not be written: its lease lapses as above.
                    LogExecutionInterrupted(logger, run.Id, e.InnerException?.Message ?? e.Message);
                }
                catch (Exception e)
                {
                    LogExecutionFaulted(logger, run.Id, e);
                }
                finally
                {
                    slots.Release();
                    lock (_running)
                        _running.Remove(task);
                }
            });
            _running.Add(task);
        }
    }

    private readonly CancellationTokenSource _drained = new();
    private readonly Lock _drainGate = new();
    private Task? _drain;

    /// <summary>
    /// Fires once shutdown has let this process's executions end or given them up: a request still
    /// waiting on a run then waits on another process, and may as well be told now.
    /// </summary>
    public CancellationToken Drained => _drained.Token;

    public Task StoppingAsync(CancellationToken cancellationToken) => DrainOnceAsync(cancellationToken);

    public override Task StopAsync(CancellationToken cancellationToken) => DrainOnceAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task DrainOnceAsync(CancellationToken cancellationToken)
    {
        lock (_drainGate)
            return _drain ??= DrainAsync(cancellationToken);
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            _stopping = true;
            await base.StopAsync(cancellationToken);
            Task[] running;
            lock (_running)
                running = [.. _running];
            if (running.Length == 0)
                return;
            // Executions finish on their own while the host allows; what is left is handed over.
            var drain = host.Value.ShutdownTimeout - ReleaseReserve;
            var all = Task.WhenAll(running);
            if (drain > TimeSpan.Zero)
                await Task.WhenAny(all, Task.Delay(drain, time, cancellationToken)).ConfigureAwait(false);
            if (!all.IsCompleted)
            {
                var held = leases.Held;
                LogReleasing(logger, held.Count);
                foreach (var lease in held)
                    lease.Stop(StopReason.Released);
                await Task.WhenAny(all, Task.Delay(ReleaseReserve, time, CancellationToken.None)).ConfigureAwait(false);
            }
        }
        finally
        {
            _drained.Cancel();
        }
    }

    /// <summary>A slot taken for a request's run; returned unless a run is started in it.</summary>
    internal sealed class SlotReservation(RunScheduler scheduler) : IDisposable
    {
        private int _used;

        public ClaimFor Claim => scheduler.Claim;

        public void Start(Run run)
        {
            if (Interlocked.Exchange(ref _used, 1) == 0)
                scheduler.Start(run);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _used, 1) == 0)
                scheduler.ReleaseSlot();
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Run scheduler started as {Owner} (lease timeout {LeaseSeconds} s)")]
    private static partial void LogStarted(ILogger logger, string owner, double leaseSeconds);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Took over runs: {Requeued} requeued and {Failed} failed after their lease lapsed, {Cancelled} cancelled, {Expired} expired waiting for tool outputs")]
    private static partial void LogRescued(ILogger logger, int requeued, int failed, int cancelled, int expired);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Scheduler pass failed; trying again in a second")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Scheduler pass: the database is unavailable ({Reason}); trying again in a second")]
    private static partial void LogPassUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Run {RunId}: its end could not be written, the database is unavailable ({Reason}); the run is taken over once its lease lapses")]
    private static partial void LogExecutionInterrupted(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "The execution of run {RunId} faulted")]
    private static partial void LogExecutionFaulted(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Shutting down: releasing {Count} runs still executing, for another process to take over")]
    private static partial void LogReleasing(ILogger logger, int count);
}
