using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Queue;

/// <summary>
/// Claims eligible runs and hands them to the executor. The database decides which runs may
/// start (I1, I2); this loop only decides when to ask: on a signal, at the next debounce
/// deadline, or after the poll interval, whichever is first. Each pass also takes over runs
/// whose lease lapsed (I5).
/// </summary>
internal sealed partial class RunScheduler(
    IThreadlineStore store, RunExecutor executor, SchedulerSignal signal, Webhooks.DeliverySignal deliveries, ProcessIdentity identity,
    QueueOptions options, TimeProvider time, ILogger<RunScheduler> logger) : BackgroundService
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentRuns, options.MaxConcurrentRuns);
    private readonly HashSet<Task> _running = [];
    private long _nextRescueAtMs;
    private long _nextExpiryAtMs;

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
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, e);
                wait = options.PollInterval;
            }
            await signal.WaitAsync(wait, time, stoppingToken);
        }
        await DrainAsync();
    }

    /// <summary>One pass: rescue lapsed leases (when it is time to), claim what may run, and say how long to sleep.</summary>
    public async Task<TimeSpan> RunOnceAsync(CancellationToken ct)
    {
        var nowMs = time.UnixMilliseconds();
        if (nowMs >= Math.Min(_nextRescueAtMs, _nextExpiryAtMs))
        {
            // Leases lapse on their own clock: looking four times per lease timeout takes a dead
            // process's runs over within the timeout, without a write on every pass.
            _nextRescueAtMs = nowMs + (long)(options.LeaseTimeout / 4).TotalMilliseconds;
            var rescued = await store.RunRescueAsync(new RunRescue(nowMs,
                "The server executing this run stopped before it finished; the run was taken over after its lease lapsed."), ct);
            if (rescued.Total > 0)
            {
                LogRescued(logger, rescued.Requeued, rescued.Failed, rescued.Cancelled, rescued.Expired);
                deliveries.Wake();
            }
        }

        var free = _slots.CurrentCount;
        if (free > 0)
        {
            var claimed = await store.RunClaimNextAsync(new RunClaim(identity.Owner, time.UnixMilliseconds(),
                (long)options.LeaseTimeout.TotalMilliseconds, free), ct);
            foreach (var run in claimed)
                Start(run);
            if (claimed.Count == free)
                return TimeSpan.Zero; // there may be more
        }

        // Sleep until the next head becomes eligible, a wait for tool outputs expires, or it is time
        // to look for lapsed leases, whichever comes first; at most the poll interval.
        var deadlines = await store.RunDeadlinesAsync(ct);
        _nextExpiryAtMs = deadlines.NextExpiryAtMs ?? long.MaxValue;
        // With every slot taken, a finishing run's wake is what matters, not eligible heads.
        var nextEligible = _slots.CurrentCount > 0 ? deadlines.NextEligibleAtMs ?? long.MaxValue : long.MaxValue;
        var dueAtMs = Math.Min(Math.Min(nextEligible, _nextExpiryAtMs), _nextRescueAtMs);
        var until = TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(dueAtMs - time.UnixMilliseconds(), (long)options.PollInterval.TotalMilliseconds)));
        return until;
    }

    private void Start(Runs.Run run)
    {
        _slots.Wait();
        Task task = null!;
        lock (_running)
        {
            task = Task.Run(async () =>
        {
            try
            {
                // A finished run may hand its slot straight to the thread's next run.
                for (Runs.Run? next = run; next is not null;)
                    next = await executor.ExecuteAsync(next, CancellationToken.None);
            }
            finally
            {
                _slots.Release();
                lock (_running)
                    _running.Remove(task);
                signal.Wake();
                deliveries.Wake();
            }
        });
            _running.Add(task);
        }
    }

    /// <summary>On shutdown, give running runs a moment; their leases cover the rest.</summary>
    private async Task DrainAsync()
    {
        Task[] running;
        lock (_running)
            running = _running.ToArray();
        await Task.WhenAny(Task.WhenAll(running), Task.Delay(TimeSpan.FromSeconds(5), time));
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Run scheduler started as {Owner} (lease timeout {LeaseSeconds} s)")]
    private static partial void LogStarted(ILogger logger, string owner, double leaseSeconds);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Took over runs: {Requeued} requeued and {Failed} failed after their lease lapsed, {Cancelled} cancelled, {Expired} expired waiting for tool outputs")]
    private static partial void LogRescued(ILogger logger, int requeued, int failed, int cancelled, int expired);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Scheduler pass failed; trying again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
