using System.Runtime.InteropServices;

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

    /// <summary>Why the execution stopped without an ending it could store (the database unavailable): its streams end with it at once.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>The execution stops for <paramref name="fault"/>; the log closes with it.</summary>
    public void Fail(Exception fault)
    {
        Fault = fault;
        Close();
    }

    /// <summary>True once events were dropped for being past <see cref="MaxEvents"/>: a reader that starts at 0 misses some.</summary>
    public bool Truncated { get; private set; }

    private int _readers;
    private bool _followed;

    /// <summary>Streams (and relays to other nodes) reading the log now.</summary>
    public int Readers
    {
        get { lock (_events) return _readers; }
    }

    /// <summary>A reader starts following the log.</summary>
    public void Follow()
    {
        lock (_events)
        {
            _readers++;
            _followed = true;
        }
    }

    /// <summary>A reader is done with the log.</summary>
    /// <returns>True when the log is closed and this was its last reader: nothing reads it again.</returns>
    public bool Leave()
    {
        lock (_events)
            return --_readers == 0 && IsClosed;
    }

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

    /// <returns>Who may still read the log.</returns>
    public LogAfterClose Close()
    {
        TaskCompletionSource signal;
        LogAfterClose after;
        lock (_events)
        {
            IsClosed = true;
            signal = _appended;
            after = _readers > 0 ? LogAfterClose.Read : _followed ? LogAfterClose.Done : LogAfterClose.Unread;
        }
        signal.TrySetResult();
        return after;
    }

    /// <summary>The most events one read hands out: a reader far behind reads on in small batches, never a copy of all it missed.</summary>
    public const int ReadBatch = 64;

    /// <summary>
    /// The events from <paramref name="cursor"/> on (at most <see cref="ReadBatch"/>); closed once the log is
    /// closed and the reader has them all; and a task that completes when there is more to read.
    /// </summary>
    public (RunEvent[] Events, bool Closed, Task Next) ReadFrom(int cursor)
    {
        lock (_events)
        {
            var count = Math.Clamp(_events.Count - cursor, 0, ReadBatch);
            var events = count > 0 ? CollectionsMarshal.AsSpan(_events).Slice(cursor, count).ToArray() : [];
            var caughtUp = cursor + count == _events.Count;
            return (events, IsClosed && caughtUp, caughtUp ? _appended.Task : Task.CompletedTask);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Who may still read a log once it closed (<see cref="RunEventLog.Close"/>).</summary>
internal enum LogAfterClose
{
    /// <summary>Followed, and every reader left (the stream that made the run has been and gone): nothing reads it again.</summary>
    Done,

    /// <summary>Readers have the last events to read; the last to leave ends it.</summary>
    Read,

    /// <summary>No reader came yet: the stream that made the run may still be on its way.</summary>
    Unread,
}
