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

    /// <summary>Its caller left, or gave up after <paramref name="patience"/>, before it started: it is not run at all.</summary>
    public bool Abandoned(TimeSpan patience) =>
        ct.IsCancellationRequested || System.Diagnostics.Stopwatch.GetElapsedTime(_queued) > patience;

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

    public abstract void Cancel();
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

    public override void Cancel() => _result.TrySetCanceled();
}
