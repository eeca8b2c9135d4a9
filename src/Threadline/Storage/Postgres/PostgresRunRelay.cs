using System.Collections.Concurrent;
using System.Text;
using Threadline.Streaming;

namespace Threadline.Storage.Postgres;

/// <summary>
/// Live streams from any node, over <c>NOTIFY</c>. A node whose stream follows a run executing
/// elsewhere asks for it (<c>?</c>, repeated with back-off until the first events come, since the
/// executing node may not have opened its log yet); the executing node relays that execution's log
/// from its first event, in order, from one loop per run, each batch of events one round trip; a
/// node that asks later makes the loop start over from the first event, and the nodes that have
/// them already skip the repeats by number. The follower appends them to a mirror log that its
/// streams read exactly as a local one. Only followed runs are relayed, and every node's listening
/// connection hears every relayed message: the cost is one notification per batch per node (see
/// docs/scaling.md).
/// </summary>
internal sealed partial class PostgresRunRelay : IRunEventRelay, IHostedService
{
    private static readonly TimeSpan FirstAsk = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxAsk = TimeSpan.FromSeconds(2);

    private readonly PostgresDatabase _database;
    private readonly RunEventHub _hub;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Mirror> _mirrors = new();
    private readonly ConcurrentDictionary<string, Relay> _relays = new();
    private readonly CancellationTokenSource _stop = new();

    public PostgresRunRelay(PostgresDatabase database, RunEventHub hub, ILogger<PostgresRunRelay> logger)
    {
        (_database, _hub, _logger) = (database, hub, logger);
        database.Listener.RelayHeard = Heard;
    }

    /// <summary>Runs being relayed from this node, and mirrors followed on it (for tests of bounded growth).</summary>
    public (int Relays, int Mirrors) Count => (_relays.Count, _mirrors.Count);

    public RunEventLog? Follow(string runId, int attempt)
    {
        while (true)
        {
            var mirror = _mirrors.GetOrAdd(runId, _ => new Mirror(new RunEventLog(runId, attempt)));
            lock (mirror)
            {
                if (mirror.Log.Attempt == attempt && !mirror.Gone)
                {
                    if (mirror.Readers++ == 0)
                        _ = AskAsync(mirror);
                    return mirror.Log;
                }
                if (mirror.Log.Attempt > attempt)
                    return null; // a newer execution is followed already: the caller's view of the run is old
                mirror.Gone = true;
                mirror.Log.Close();
            }
            _mirrors.TryRemove(KeyValuePair.Create(runId, mirror));
        }
    }

    public void Unfollow(RunEventLog log)
    {
        if (!_mirrors.TryGetValue(log.RunId, out var mirror) || mirror.Log != log)
            return;
        lock (mirror)
        {
            if (--mirror.Readers > 0)
                return;
            mirror.Gone = true;
        }
        _mirrors.TryRemove(KeyValuePair.Create(log.RunId, mirror));
    }

    /// <summary>Asks for the execution's events until the first of them come (or nobody follows any more).</summary>
    private async Task AskAsync(Mirror mirror)
    {
        var delay = FirstAsk;
        try
        {
            while (!mirror.Gone && !mirror.Log.IsClosed && mirror.Received == 0)
            {
                await _database.NotifyAsync(PostgresRelayMessage.Channel, [PostgresRelayMessage.Watch(mirror.Log.RunId, mirror.Log.Attempt)], _stop.Token);
                await Task.Delay(delay, _stop.Token);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxAsk.Ticks));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The stream still ends: it falls back to the database once the run settles.
            LogAskFailed(_logger, mirror.Log.RunId, e);
        }
    }

    /// <summary>A relay message, on the listening connection's thread: kept short.</summary>
    private void Heard(string payload)
    {
        var parts = payload.Split('|', 7);
        if (parts.Length < 3)
            return;
        var (runId, attempt) = (parts[1], PostgresRelayMessage.Int(parts[2]));
        switch (parts[0])
        {
            case "?" when _hub.Find(runId) is { } log && log.Attempt == attempt:
                _relays.AddOrUpdate(runId, _ => Start(log), (_, relay) => relay.Log == log && relay.Restart() ? relay : Start(log));
                break;
            case "e" when parts.Length == 7 && _mirrors.TryGetValue(runId, out var mirror) && mirror.Log.Attempt == attempt:
                if (!mirror.Receive(PostgresRelayMessage.Int(parts[3]), PostgresRelayMessage.Int(parts[4]), PostgresRelayMessage.Int(parts[5]), parts[6]))
                    _ = AskAsync(mirror); // a gap (a notification lost while the listener reconnected): start over
                break;
            case "z" when parts.Length == 4 && _mirrors.TryGetValue(runId, out var ended) && ended.Log.Attempt == attempt:
                if (ended.Received == PostgresRelayMessage.Int(parts[3]))
                    ended.Log.Close();
                break;
        }
    }

    private Relay Start(RunEventLog log)
    {
        var relay = new Relay(log);
        relay.Task = Task.Run(() => RelayAsync(relay));
        return relay;
    }

    private async Task RelayAsync(Relay relay)
    {
        var log = relay.Log;
        _hub.Follow(log);
        try
        {
            var cursor = 0;
            while (!_stop.IsCancellationRequested)
            {
                var restarted = relay.Restarted;
                if (relay.TakeRestart())
                    cursor = 0;
                var (events, closed, next) = log.ReadFrom(cursor);
                if (events.Length > 0)
                {
                    await _database.NotifyAsync(PostgresRelayMessage.Channel, Payloads(log, cursor, events), _stop.Token);
                    cursor += events.Length;
                    continue;
                }
                if (closed)
                {
                    await _database.NotifyAsync(PostgresRelayMessage.Channel, [PostgresRelayMessage.Closed(log.RunId, log.Attempt, cursor)], _stop.Token);
                    if (!relay.Finish())
                        continue; // asked again meanwhile: from the first event once more
                    break;
                }
                await Task.WhenAny(next, restarted).WaitAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogRelayFailed(_logger, log.RunId, e);
        }
        finally
        {
            _hub.Leave(log);
            _relays.TryRemove(KeyValuePair.Create(log.RunId, relay));
        }
    }

    /// <summary>Events numbered from <paramref name="first"/>, as few payloads as fit.</summary>
    private static List<string> Payloads(RunEventLog log, int first, RunEvent[] events)
    {
        var payloads = new List<string>();
        var body = new StringBuilder();
        var bodyFirst = first;
        for (var i = 0; i < events.Length; i++)
        {
            var text = PostgresRelayMessage.Encode(RelayedEvent.Of(events[i]));
            if (body.Length > 0 && body.Length + 1 + text.Length > PostgresRelayMessage.MaxBodyChars)
            {
                payloads.Add(PostgresRelayMessage.Events(log.RunId, log.Attempt, bodyFirst, 0, 1, body.ToString()));
                body.Clear();
            }
            if (body.Length == 0)
                bodyFirst = first + i;
            if (text.Length <= PostgresRelayMessage.MaxBodyChars)
            {
                body.Append(body.Length > 0 ? "\n" : "").Append(text);
                continue;
            }
            var pieces = PostgresRelayMessage.Split(text);
            for (var p = 0; p < pieces.Count; p++)
                payloads.Add(PostgresRelayMessage.Events(log.RunId, log.Attempt, first + i, p, pieces.Count, pieces[p]));
        }
        if (body.Length > 0)
            payloads.Add(PostgresRelayMessage.Events(log.RunId, log.Attempt, bodyFirst, 0, 1, body.ToString()));
        return payloads;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_relays.Values.Select(r => r.Task ?? Task.CompletedTask));
    }

    /// <summary>One execution's log being relayed from here.</summary>
    private sealed class Relay(RunEventLog log)
    {
        private TaskCompletionSource _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _restart;
        private bool _finished;

        public RunEventLog Log { get; } = log;

        public Task? Task { get; set; }

        public Task Restarted => _restarted.Task;

        /// <summary>Someone else asked: start over from the first event. False once the loop has finished (start another).</summary>
        public bool Restart()
        {
            lock (this)
            {
                if (_finished)
                    return false;
                _restart = true;
                _restarted.TrySetResult();
                return true;
            }
        }

        public bool TakeRestart()
        {
            lock (this)
            {
                if (!_restart)
                    return false;
                _restart = false;
                _restarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return true;
            }
        }

        /// <summary>The loop may end: false when a restart came in first.</summary>
        public bool Finish()
        {
            lock (this)
            {
                if (_restart)
                    return false;
                _finished = true;
                return true;
            }
        }
    }

    /// <summary>A followed execution's mirror and how far it has come.</summary>
    private sealed class Mirror(RunEventLog log)
    {
        private readonly StringBuilder _pieces = new();
        private int _nextPiece;

        public RunEventLog Log { get; } = log;
        public int Readers;
        public volatile bool Gone;
        public volatile int Received;

        /// <summary>Events from number <paramref name="seq"/> on, or one piece of a long one; repeats are skipped.</summary>
        /// <returns>False on a gap: an event is missing, and the relay must start over.</returns>
        public bool Receive(int seq, int part, int parts, string body)
        {
            if (parts == 1)
            {
                var lines = body.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if (seq + i > Received)
                        return false;
                    if (seq + i == Received)
                        Append(lines[i]);
                }
                return true;
            }
            if (seq != Received)
                return seq < Received;
            if (part == 0 || part != _nextPiece)
            {
                // A new start (the relay began again from the first event), or out of step: wait for a piece 0.
                (_nextPiece, _) = (0, _pieces.Clear());
                if (part != 0)
                    return true;
            }
            _pieces.Append(body);
            if (++_nextPiece < parts)
                return true;
            Append(_pieces.ToString());
            (_nextPiece, _) = (0, _pieces.Clear());
            return true;
        }

        private void Append(string text)
        {
            Log.Append(PostgresRelayMessage.Decode(text));
            Received++;
        }
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Could not ask for the live events of run {RunId}; its stream follows the database")]
    private static partial void LogAskFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Relaying the live events of run {RunId} failed; its followers fall back to the database")]
    private static partial void LogRelayFailed(ILogger logger, string runId, Exception exception);
}
