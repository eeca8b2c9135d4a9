using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Threadline.Streaming;

/// <summary>
/// The events of the runs this process executes, kept per run while it executes and for a short
/// while after, so that a stream attached late replays from the start. Streams of runs executed
/// by another process read the database instead (<see cref="RunEventFeed"/>).
/// </summary>
internal sealed class RunEventHub(TimeProvider time)
{
    /// <summary>Long enough for the stream that made the run to attach; later streams rebuild from the database.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, RunEventLog> _logs = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _opened = new();

    /// <summary>
    /// Starts the log of one execution of a run: <paramref name="generation"/> counts the claims of the
    /// run, so that a stream waiting for the run to resume after tool outputs skips the older log.
    /// </summary>
    public RunEventLog Open(string runId, int generation)
    {
        var log = new RunEventLog(generation);
        _logs[runId] = log;
        if (_opened.TryRemove(runId, out var waiter))
            waiter.TrySetResult();
        return log;
    }

    public void Publish(string runId, RunEvent e)
    {
        if (_logs.TryGetValue(runId, out var log))
            log.Append(e);
    }

    /// <summary>Ends the log; it stays readable for a while for streams that attach late.</summary>
    public void Close(string runId)
    {
        if (!_logs.TryGetValue(runId, out var log))
            return;
        log.Close();
        var timer = time.CreateTimer(_ => _logs.TryRemove(KeyValuePair.Create(runId, log)), null, Linger, Timeout.InfiniteTimeSpan);
        log.OnDispose = timer;
    }

    public RunEventLog? Find(string runId) => _logs.GetValueOrDefault(runId);

    /// <summary>Completes when this process opens the run's log.</summary>
    public Task WhenOpenedAsync(string runId, int afterGeneration) =>
        _logs.TryGetValue(runId, out var log) && log.Generation > afterGeneration
            ? Task.CompletedTask
            : _opened.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
}

/// <summary>An append-only list of events with readers that follow it live.</summary>
internal sealed class RunEventLog(int generation)
{
    public int Generation { get; } = generation;

    private readonly List<RunEvent> _events = [];
    private readonly List<Channel<RunEvent>> _readers = [];

    public bool IsClosed { get; private set; }
    public IDisposable? OnDispose { get; set; }

    public void Append(RunEvent e)
    {
        lock (_events)
        {
            _events.Add(e);
            foreach (var reader in _readers)
                reader.Writer.TryWrite(e);
        }
    }

    public void Close()
    {
        lock (_events)
        {
            IsClosed = true;
            foreach (var reader in _readers)
                reader.Writer.TryComplete();
        }
    }

    /// <summary>Every event so far, then each new one until the log closes.</summary>
    public IAsyncEnumerable<RunEvent> ReadAllAsync(CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_events)
        {
            foreach (var e in _events)
                channel.Writer.TryWrite(e);
            if (IsClosed)
                channel.Writer.TryComplete();
            else
                _readers.Add(channel);
        }
        return channel.Reader.ReadAllAsync(ct);
    }
}
