using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// Other nodes' commits, heard with <c>LISTEN</c> on one connection held for the purpose and
/// published on the store's <see cref="ChangeFeed"/>: the scheduler, the dispatcher and streams on
/// this node wake as on a local commit. While the connection is down (an outage, a failover) nothing
/// can be heard, so the feed wakes everyone on every reconnection attempt, and once more when the
/// connection is back: the fallback poll, only while it is needed. Idle, it waits on the socket.
/// </summary>
internal sealed partial class PostgresChangeListener : IAsyncDisposable
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private readonly NpgsqlDataSource _data;
    private readonly ChangeFeed _changes;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public PostgresChangeListener(NpgsqlDataSource data, ChangeFeed changes, string node, TimeProvider time, ILogger logger) =>
        (_data, _changes, _node, _time, _logger) = (data, changes, node, time, logger);

    /// <summary>True while notifications are being heard.</summary>
    public bool Listening { get; private set; }

    private readonly TaskCompletionSource _firstListen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts listening; completes once the first <c>LISTEN</c> is in place (a node hears others before it serves).</summary>
    public Task StartAsync(CancellationToken ct)
    {
        _loop ??= Task.Run(() => ListenAsync(_stop.Token));
        return _firstListen.Task.WaitAsync(ct);
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _data.OpenConnectionAsync(stop);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresChangeMessage.Channel}; LISTEN {PostgresRelayMessage.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stop);
                Listening = true;
                if (!_firstListen.TrySetResult())
                {
                    // Whatever committed while nobody listened: everyone looks again.
                    LogListening(_logger, failures);
                    _changes.PublishExternal();
                }
                (failures, delay) = (0, TimeSpan.FromMilliseconds(100));
                while (true)
                    await connection.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Listening = false;
                if (failures++ == 0)
                    LogLost(_logger, e);
                _changes.PublishExternal();
                try
                {
                    await Task.Delay(delay, _time, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
        Listening = false;
    }

    /// <summary>Messages of the event relay (<see cref="PostgresRunRelay"/>), handed over as they arrive, in order.</summary>
    public Action<string>? RelayHeard { get; set; }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == PostgresRelayMessage.Channel)
        {
            RelayHeard?.Invoke(e.Payload);
            return;
        }
        if (PostgresChangeMessage.Decode(_node, e.Payload) is not { } heard)
            return;
        if (heard.EveryRun)
            _changes.PublishExternal();
        else
            _changes.Publish(heard.Changes);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync();
        if (_loop is not null)
            await _loop;
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Lost the connection that hears other nodes' changes; retrying (everyone looks again meanwhile)")]
    private static partial void LogLost(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "Hearing other nodes' changes again after {Failures} failed attempts")]
    private static partial void LogListening(ILogger logger, int failures);
}
