namespace Threadline.Storage;

/// <summary>
/// A write waiting for a group commit: its work, the changes it announced once run, and the task its
/// caller awaits, completed only after the commit that made it durable (I3). The work may be run more
/// than once (a batch that fails is run again write by write), so its changes are gathered afresh on
/// each run.
/// </summary>
internal abstract class PendingWrite(Action? committed, CancellationToken ct)
{
    public List<StoreChange> Changes { get; } = [];

    private readonly long _queued = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>
    /// Its caller left, or gave up after <paramref name="patience"/>, before it started: it is not run
    /// at all, and its task says which (cancelled, or timed out as an unavailable store does).
    /// </summary>
    public bool GiveUpIfAbandoned(TimeSpan patience)
    {
        if (ct.IsCancellationRequested)
            Cancel();
        else if (System.Diagnostics.Stopwatch.GetElapsedTime(_queued) > patience)
            Fail(new TimeoutException($"The write waited {patience.TotalSeconds:0.#} s for the database."));
        else
            return false;
        return true;
    }

    public abstract Task Task { get; }

    public abstract ValueTask RunAsync(IStoreSession session);

    public void Complete(ChangeFeed changes)
    {
        committed?.Invoke();
        changes.Publish(Changes);
        SetResult();
    }

    protected abstract void SetResult();

    public abstract void Fail(Exception e);

    protected abstract void Cancel();
}

internal sealed class PendingWrite<T>(Func<IStoreSession, ValueTask<T>> work, Action? committed, CancellationToken ct)
    : PendingWrite(committed, ct)
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T _value = default!;

    public override Task<T> Task => _result.Task;

    public override async ValueTask RunAsync(IStoreSession session) => _value = await work(session);

    protected override void SetResult() => _result.TrySetResult(_value);

    public override void Fail(Exception e) => _result.TrySetException(e);

    protected override void Cancel() => _result.TrySetCanceled();
}
