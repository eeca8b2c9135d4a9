using System.Collections.Concurrent;
using Threadline.Domain;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Queue;

/// <summary>
/// The heartbeat of this process's executions: one write per interval renews every lease it holds
/// (and the locks of idempotency keys whose requests are still running), whatever their number.
/// An execution whose claim was superseded is stopped, as is one whose run another process moved
/// to <c>cancelling</c>. With nothing held, the loop sleeps until something is. A renewal that
/// fails is logged and tried again at the next beat; the fencing token keeps a superseded execution
/// from writing even if a beat comes too late.
/// </summary>
internal sealed partial class LeaseKeeper(
    IStore store, RunLifecycle lifecycle, ProcessIdentity identity, QueueOptions options, Idempotency.IdempotencyOptions keys,
    TimeProvider time, ILogger<LeaseKeeper> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ExecutionLease> _held = new();
    private readonly WakeSignal _started = new();
    private int _keysInFlight;

    public int HeldCount => _held.Count;

    public ExecutionLease Hold(Run run)
    {
        var lease = new ExecutionLease(run.Id, run.Attempt);
        if (_held.TryGetValue(run.Id, out var older))
            older.Stop(StopReason.LeaseLost);
        _held[run.Id] = lease;
        _started.Wake();
        return lease;
    }

    public void Drop(ExecutionLease lease)
    {
        _held.TryRemove(KeyValuePair.Create(lease.RunId, lease));
        lease.Dispose();
    }

    /// <summary>A cancel made in this process reaches its execution at once.</summary>
    public void RequestCancel(string runId)
    {
        if (_held.TryGetValue(runId, out var lease))
            lease.Stop(StopReason.CancelRequested);
    }

    public IReadOnlyCollection<ExecutionLease> Held => _held.Values.ToList();

    /// <summary>An idempotency key's request began (or ended): its lock is renewed with the leases meanwhile.</summary>
    public void KeyHeld(bool held)
    {
        if (held)
        {
            Interlocked.Increment(ref _keysInFlight);
            _started.Wake();
        }
        else
        {
            Interlocked.Decrement(ref _keysInFlight);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_held.IsEmpty && Volatile.Read(ref _keysInFlight) == 0)
            {
                await _started.WaitAsync(Timeout.InfiniteTimeSpan, time, stoppingToken);
                continue;
            }
            await Task.Delay(options.Heartbeat, time, stoppingToken);
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (StoreUnavailableException e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRenewUnavailable(logger, _held.Count, e.InnerException?.Message ?? e.Message);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRenewFailed(logger, _held.Count, e);
            }
        }
    }

    /// <summary>One beat: renew everything held, stop the executions that lost their run or must cancel it.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        var leases = _held.Values.ToList();
        var renewKeys = Volatile.Read(ref _keysInFlight) > 0;
        if (leases.Count == 0 && !renewKeys)
            return;
        var held = await store.WriteAsync(async s =>
        {
            if (renewKeys)
                await s.Idempotency.IdempotencyRenewAsync(identity.Owner, s.NowMs, (long)keys.InFlightLock.TotalMilliseconds);
            return await lifecycle.RenewLeasesAsync(s, identity.Owner, (long)options.LeaseTimeout.TotalMilliseconds,
                leases.Select(l => (l.RunId, l.Attempt)).ToList());
        }, ct);
        var status = held.ToDictionary(h => (h.RunId, h.Attempt), h => h.Status);
        foreach (var lease in leases)
        {
            if (!status.TryGetValue((lease.RunId, lease.Attempt), out var current))
            {
                if (_held.TryGetValue(lease.RunId, out var still) && ReferenceEquals(still, lease))
                {
                    LogLeaseLost(logger, lease.RunId, lease.Attempt);
                    lease.Stop(StopReason.LeaseLost);
                }
            }
            else if (current == RunStatus.Cancelling)
            {
                lease.Stop(StopReason.CancelRequested);
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Renewing {Count} leases failed; trying again at the next beat")]
    private static partial void LogRenewFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Renewing {Count} leases failed, the database is unavailable ({Reason}); trying again at the next beat")]
    private static partial void LogRenewUnavailable(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Run {RunId}: attempt {Attempt} lost its lease to another claim; the execution stops and writes nothing more")]
    private static partial void LogLeaseLost(ILogger logger, string runId, int attempt);
}
