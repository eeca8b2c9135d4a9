using Threadline.Domain;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Queue;

/// <summary>
/// Renews a run's lease while it executes. Stops the work when the run is being cancelled
/// (<see cref="CancelRequested"/>) or when the lease was lost to another process (<see cref="LeaseLost"/>).
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private readonly ITimer _timer;
    private readonly IThreadlineStore _store;
    private readonly string _runId;
    private readonly string _owner;
    private readonly QueueOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop;
    private int _beating;

    public Heartbeat(IThreadlineStore store, string runId, string owner, QueueOptions options, TimeProvider time, CancellationTokenSource stop)
    {
        (_store, _runId, _owner, _options, _time, _stop) = (store, runId, owner, options, time, stop);
        _timer = time.CreateTimer(_ => _ = BeatAsync(), null, options.Heartbeat, options.Heartbeat);
    }

    public bool CancelRequested { get; private set; }
    public bool LeaseLost { get; private set; }

    private async Task BeatAsync()
    {
        if (Interlocked.Exchange(ref _beating, 1) == 1)
            return; // the previous beat is still writing
        try
        {
            var status = await _store.RunLeaseRenewAsync(new RunLeaseRenew(_runId, _owner, _time.UnixMilliseconds(),
                (long)_options.LeaseTimeout.TotalMilliseconds), CancellationToken.None);
            if (status is null)
                LeaseLost = true;
            else if (status == RunStatus.Cancelling)
                CancelRequested = true;
            if (LeaseLost || CancelRequested)
                _stop.Cancel();
        }
        catch (Exception)
        {
            // A failed renewal is retried on the next beat; the lease timeout leaves room for several.
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    /// <summary>A cancel made in this process: no need to wait for the next beat.</summary>
    public void RequestCancel()
    {
        CancelRequested = true;
        _stop.Cancel();
    }

    public void Stop() => _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public void Dispose() => _timer.Dispose();
}
