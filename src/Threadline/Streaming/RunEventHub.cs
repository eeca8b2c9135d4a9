using System.Collections.Concurrent;
using Threadline.Hosting;
using Threadline.Telemetry;

namespace Threadline.Streaming;

/// <summary>
/// The live events of the runs this process executes, one log per run for its current execution.
/// A log is opened by the executor, never by a reader. It goes as soon as it is closed and its last
/// reader left: the one stream of a run's execution is the one that made it (or resumed it), so a
/// stream dropped mid-run leaves nothing once the run ends. A log no reader followed yet waits
/// <see cref="Linger"/> for that stream. A stream of a run executed by another process follows a
/// relay or the database instead (<see cref="RunEventFeed"/>).
/// </summary>
internal sealed class RunEventHub
{
    private readonly ConcurrentDictionary<string, RunEventLog> _logs = new();
    private readonly TimeProvider _time;
    private TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunEventHub(TimeProvider time, ThreadlineOptions options, ThreadlineMetrics metrics)
    {
        _time = time;
        Linger = options.StreamLinger;
        metrics.Observe("threadline.stream.event_logs", "Run event logs held in memory: one per execution here, until its streams are done with it.", () => _logs.Count);
        metrics.Observe("threadline.stream.readers", "Streams (and relays to other nodes) reading those logs.", () => _logs.Values.Sum(l => l.Readers));
    }

    /// <summary>Long enough for the stream that made the run to attach; later streams rebuild from the database.</summary>
    public TimeSpan Linger { get; }

    public int Count => _logs.Count;

    /// <summary>
    /// Starts the log of a new execution of the run (replacing an older one); the log of this same
    /// execution when it is open already (the slot that starts a run opens it at once, so a stream
    /// made by the same request finds it without a look at the database).
    /// </summary>
    public RunEventLog Open(string runId, int attempt)
    {
        if (_logs.TryGetValue(runId, out var previous) && previous.Attempt == attempt && !previous.IsClosed)
            return previous;
        var log = new RunEventLog(runId, attempt);
        previous?.Close();
        _logs[runId] = log;
        Interlocked.Exchange(ref _opened, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return log;
    }

    public void Publish(RunEventLog log, RunEvent e) => log.Append(e);

    /// <summary>
    /// Ends the log. It goes at once when its readers have been and gone, with its last reader when some
    /// still read, and otherwise after <see cref="Linger"/> (unless a reader that came meanwhile still reads).
    /// </summary>
    public void Close(RunEventLog log)
    {
        switch (log.Close())
        {
            case LogAfterClose.Done:
                Drop(log);
                break;
            case LogAfterClose.Unread:
                ITimer? timer = null;
                timer = _time.CreateTimer(_ =>
                {
                    if (log.Readers == 0)
                        Drop(log);
                    timer?.Dispose();
                }, null, Linger, Timeout.InfiniteTimeSpan);
                break;
        }
    }

    /// <summary>A stream, or the relay to another node, starts reading the log.</summary>
    public void Follow(RunEventLog log) => log.Follow();

    /// <summary>The reader is done; a closed log goes with its last reader.</summary>
    public void Leave(RunEventLog log)
    {
        if (log.Leave())
            Drop(log);
    }

    private void Drop(RunEventLog log) => _logs.TryRemove(KeyValuePair.Create(log.RunId, log));

    public RunEventLog? Find(string runId) => _logs.GetValueOrDefault(runId);

    /// <summary>Completes when the next log opens, whatever its run: one shared task, so waiting readers cost no entry each.</summary>
    public Task NextOpened => Volatile.Read(ref _opened).Task;
}
