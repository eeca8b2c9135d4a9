namespace Threadline.Queue;

/// <summary>
/// One execution's hold on a run: the attempt it claimed (its fencing token), and how it is told to
/// stop: the run is being cancelled, its lease was lost to another claim, or this process is
/// shutting down and releases it.
/// </summary>
internal sealed class ExecutionLease(string runId, int attempt) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private int _reason;

    public string RunId { get; } = runId;
    public int Attempt { get; } = attempt;

    /// <summary>Cancelled when the execution must stop; <see cref="Reason"/> says why.</summary>
    public CancellationToken Stopping => _stop.Token;

    public StopReason Reason => (StopReason)Volatile.Read(ref _reason);

    /// <summary>Stops the execution; the first reason given wins.</summary>
    public void Stop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)StopReason.None) == (int)StopReason.None)
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The execution already ended.
            }
        }
    }

    public void Dispose() => _stop.Dispose();
}

internal enum StopReason
{
    None,

    /// <summary>A cancel arrived: end the run cancelled, keeping its partial reply.</summary>
    CancelRequested,

    /// <summary>Another claim superseded this one: write nothing more.</summary>
    LeaseLost,

    /// <summary>This process shuts down: hand the run over at once.</summary>
    Released,
}
