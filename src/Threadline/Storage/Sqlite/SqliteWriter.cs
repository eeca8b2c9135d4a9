using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// Group commit: every write of this process runs on one connection, and the writes that queue up
/// while a commit is being synced run together in the next transaction, made durable by a single
/// commit; each caller's task completes only after that commit (I3). A batch runs without
/// savepoints; when one of its writes fails, the batch is rolled back and its writes run again one
/// transaction each, so one failure never undoes another's work. After each batch, and while idle
/// every <see cref="SqliteOptions.ExternalChangeProbe"/> (backing off to every 2 s while nothing
/// changes anywhere), the writer reads <c>PRAGMA data_version</c>, which changes only when another
/// connection (another process) committed, and announces that as an external change. A write the
/// file refused as full fails with <see cref="StorageFullException"/> and marks
/// <see cref="WriteHealth"/>; the next commit clears it.
/// </summary>
internal sealed partial class SqliteWriter : IAsyncDisposable
{
    /// <summary>At most this many writes share a commit, so one batch never holds the lock for long.</summary>
    private const int MaxBatch = 256;

    /// <summary><c>SQLITE_FULL</c>: the file system has no room for the WAL or the database to grow.</summary>
    private const int SqliteFull = 13;

    private readonly Func<SqliteSession> _open;
    private readonly ChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly TimeSpan _probe;
    private readonly Telemetry.ThreadlineMetrics _metrics;
    private readonly WriteHealth _health;
    private readonly ILogger _logger;
    private readonly Channel<Write> _queue = Channel.CreateBounded<Write>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Task _loop;
    private SqliteSession? _session;
    private long _dataVersion = -1;

    public SqliteWriter(Func<SqliteSession> open, ChangeFeed changes, TimeProvider time, TimeSpan probe,
        Telemetry.ThreadlineMetrics metrics, WriteHealth health, ILogger logger)
    {
        (_open, _changes, _time, _probe, _metrics, _health, _logger) = (open, changes, time, probe, metrics, health, logger);
        _probeDelay = probe;
        _loop = Task.Factory.StartNew(LoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <param name="committed">Called once the write's transaction committed, before its task completes.</param>
    public Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, Action? committed, CancellationToken ct)
    {
        var write = new Write<T>(work, committed);
        if (_queue.Writer.TryWrite(write))
            return write.Task;
        return EnqueueSlowAsync(write, ct);
    }

    private async Task<T> EnqueueSlowAsync<T>(Write<T> write, CancellationToken ct)
    {
        await _queue.Writer.WriteAsync(write, ct);
        return await write.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Write>(MaxBatch);
        var reader = _queue.Reader;
        while (true)
        {
            if (!reader.TryPeek(out _))
            {
                if (!await WaitForWorkAsync(reader))
                    break;
                continue;
            }
            batch.Clear();
            var waiting = reader.Count;
            while (batch.Count < MaxBatch && reader.TryRead(out var write))
                batch.Add(write);
            var started = Stopwatch.GetTimestamp();
            await RunBatchAsync(batch);
            _metrics.WriterBatch(waiting, batch.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (_session is { } session)
                _metrics.WriterCacheMissed(session.Connection.TakeCacheMisses());
            ProbeExternalChanges();
            _probeDelay = _probe; // activity here: others may be active too
        }
        _session?.Dispose();
    }

    /// <summary>
    /// Waits for a write; on each idle probe interval, looks for other processes' commits. False when
    /// the writer is closed. One wait for work stays outstanding across intervals (no cancellation,
    /// no exception per interval: an idle writer costs a timer and a PRAGMA every interval).
    /// </summary>
    private async Task<bool> WaitForWorkAsync(ChannelReader<Write> reader)
    {
        _work ??= reader.WaitToReadAsync().AsTask();
        if (await Task.WhenAny(_work, Task.Delay(_probeDelay, _time)) == _work)
        {
            var open = await _work;
            _work = null;
            return open;
        }
        // Quiet everywhere: look less often, down to once per MaxProbe; a change anywhere brings it back.
        if (!ProbeExternalChanges())
            _probeDelay = TimeSpan.FromTicks(Math.Min(_probeDelay.Ticks * 2, Math.Max(_probe.Ticks, MaxProbe.Ticks)));
        return true;
    }

    /// <summary>The longest an idle writer goes without looking for other processes' commits.</summary>
    private static readonly TimeSpan MaxProbe = TimeSpan.FromSeconds(2);

    private TimeSpan _probeDelay;

    private Task<bool>? _work;

    private async Task RunBatchAsync(List<Write> batch)
    {
        SqliteSession session;
        try
        {
            session = _session ??= _open();
            session.Execute("BEGIN IMMEDIATE");
        }
        catch (Exception e)
        {
            // The database is unreachable or locked past the busy timeout: none of these writes happened.
            if (!IsFull(e))
                LogBeginFailed(_logger, batch.Count, e);
            foreach (var write in batch)
                Fail(write, e);
            Reset();
            return;
        }

        if (batch.Count == 1)
        {
            await RunAloneAsync(session, batch[0], begun: true);
            return;
        }

        var failed = false;
        foreach (var write in batch)
        {
            session.Begin(_time.GetUtcNow().ToUnixTimeMilliseconds());
            try
            {
                await write.RunAsync(session);
                write.Changes.AddRange(session.Changes);
            }
            catch (Exception)
            {
                failed = true;
                break;
            }
        }
        if (!failed && TryCommit(session, batch, failWrites: false))
            return;

        // One write failed (or the commit did): undo the batch and give each write its own transaction.
        Rollback(session);
        foreach (var write in batch)
        {
            write.Changes.Clear();
            await RunAloneAsync(session, write, begun: false);
        }
    }

    private async Task RunAloneAsync(SqliteSession session, Write write, bool begun)
    {
        try
        {
            if (!begun)
                session.Execute("BEGIN IMMEDIATE");
            session.Begin(_time.GetUtcNow().ToUnixTimeMilliseconds());
            await write.RunAsync(session);
            write.Changes.AddRange(session.Changes);
        }
        catch (Exception e)
        {
            Rollback(session);
            Fail(write, e);
            return;
        }
        TryCommit(session, [write], failWrites: true);
    }

    /// <summary>Commits; on failure either fails the writes or (a batch, to be retried write by write) leaves them pending.</summary>
    private bool TryCommit(SqliteSession session, IReadOnlyList<Write> writes, bool failWrites)
    {
        try
        {
            session.Execute("COMMIT");
        }
        catch (Exception e)
        {
            // A full disk is logged once, by the write health, not with a stack per commit.
            if (!IsFull(e))
                LogCommitFailed(_logger, writes.Count, e);
            Rollback(session);
            if (failWrites)
                foreach (var write in writes)
                    Fail(write, e);
            return false;
        }
        _health.Committed();
        foreach (var write in writes)
            write.Complete(_changes);
        return true;
    }

    private static bool IsFull(Exception e) => e is SqliteException { SqliteErrorCode: SqliteFull };

    /// <summary>Fails the write; a refusal for want of space is told apart, for the client's answer and for readiness.</summary>
    private void Fail(Write write, Exception e)
    {
        if (IsFull(e))
        {
            _health.Refused(e);
            e = new StorageFullException(e);
        }
        write.Fail(e);
    }

    private void Rollback(SqliteSession session)
    {
        try
        {
            if (!session.Connection.AutoCommit())
                session.Execute("ROLLBACK");
        }
        catch (Exception e)
        {
            LogRollbackFailed(_logger, e);
            Reset();
        }
    }

    /// <returns>True when another process committed since the last look.</returns>
    private bool ProbeExternalChanges()
    {
        try
        {
            var session = _session ??= _open();
            var version = session.ScalarLong("PRAGMA data_version") ?? 0;
            var changed = _dataVersion >= 0 && version != _dataVersion;
            if (changed)
            {
                _changes.PublishExternal();
                _probeDelay = _probe;
            }
            _dataVersion = version;
            return changed;
        }
        catch (Exception e)
        {
            LogProbeFailed(_logger, e);
            Reset();
            return false;
        }
    }

    private void Reset()
    {
        _session?.Dispose();
        _session = null;
        _dataVersion = -1;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private abstract class Write(Action? committed)
    {
        public List<StoreChange> Changes { get; } = [];

        public ValueTask RunAsync(SqliteSession session) => RunWorkAsync(session);

        protected abstract ValueTask RunWorkAsync(SqliteSession session);

        public void Complete(ChangeFeed changes)
        {
            committed?.Invoke();
            changes.Publish(Changes);
            SetResult();
        }

        protected abstract void SetResult();

        public abstract void Fail(Exception e);
    }

    private sealed class Write<T>(Func<IStoreSession, ValueTask<T>> work, Action? committed) : Write(committed)
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _value = default!;

        public Task<T> Task => _result.Task;

        protected override async ValueTask RunWorkAsync(SqliteSession session) => _value = await work(session);

        protected override void SetResult() => _result.TrySetResult(_value);

        public override void Fail(Exception e) => _result.TrySetException(e);
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Error, Message = "Could not begin a write transaction for {Count} writes")]
    private static partial void LogBeginFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "A commit of {Count} writes failed")]
    private static partial void LogCommitFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "A rollback failed; the writer reopens its connection")]
    private static partial void LogRollbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Looking for other processes' commits failed")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception);
}

internal static class SqliteConnectionState
{
    /// <summary>True when no transaction is open on the connection.</summary>
    public static bool AutoCommit(this SqliteConnection connection) =>
        SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;

    /// <summary><c>SQLITE_DBSTATUS_CACHE_MISS</c>.</summary>
    private const int CacheMiss = 8;

    /// <summary>Pages read past the connection's page cache since the last call.</summary>
    public static long TakeCacheMisses(this SqliteConnection connection) =>
        SQLitePCL.raw.sqlite3_db_status(connection.Handle, CacheMiss, out var misses, out _, 1) == 0 ? misses : 0;
}
