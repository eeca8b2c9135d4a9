namespace Threadline.Streaming;

/// <summary>
/// The events of one execution of a run, append-only. Readers keep their own cursor into the one
/// shared list and wait for the next append: no per-reader buffer, so a slow reader costs nothing
/// but its place. The log holds at most <see cref="MaxEvents"/>; beyond that, text pieces are still
/// delivered to readers that keep up, and late readers rebuild the rest from the database.
/// </summary>
internal sealed class RunEventLog(string runId, int attempt)
{
    public const int MaxEvents = 65_536;

    private readonly List<RunEvent> _events = [];
    private TaskCompletionSource _appended = NewSignal();

    public string RunId { get; } = runId;

    /// <summary>The claim this log follows (a run resumed after tool outputs is a new execution).</summary>
    public int Attempt { get; } = attempt;

    public bool IsClosed { get; private set; }

    /// <summary>True once events were dropped for being past <see cref="MaxEvents"/>: a reader that starts at 0 misses some.</summary>
    public bool Truncated { get; private set; }

    public int Readers;

    public void Append(RunEvent e)
    {
        TaskCompletionSource signal;
        lock (_events)
        {
            if (IsClosed)
                return;
            if (_events.Count < MaxEvents || e is not TextAppended)
                _events.Add(e);
            else
                Truncated = true;
            signal = _appended;
            _appended = NewSignal();
        }
        signal.TrySetResult();
    }

    public void Close()
    {
        TaskCompletionSource signal;
        lock (_events)
        {
            IsClosed = true;
            signal = _appended;
        }
        signal.TrySetResult();
    }

    /// <summary>The events from <paramref name="cursor"/> on, and a task that completes at the next append (or close).</summary>
    public (RunEvent[] Events, bool Closed, Task Next) ReadFrom(int cursor)
    {
        lock (_events)
        {
            var events = cursor < _events.Count ? _events.GetRange(cursor, _events.Count - cursor).ToArray() : [];
            return (events, IsClosed, _appended.Task);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
