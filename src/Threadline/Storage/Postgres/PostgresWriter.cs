using System.Data;
using System.Diagnostics;
using System.Threading.Channels;
using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL, as <see cref="Sqlite.SqliteWriter"/> does on SQLite: the writes that
/// queue up while a transaction runs go together into the next one, with one <c>BEGIN</c>, one
/// <c>NOTIFY</c> and one commit for all of them, and each caller's task completes only after that
/// commit (I3). A node runs a few such writers at once (<see cref="StorageOptions.Writers"/>), so that
/// one waiting for a row lock another node holds does not stop all of the node's writes; the writes of
/// one thread all go to the same writer, so that the node's own batches never wait for each other.
/// <para>
/// A batch that fails before its commit (one of its writes failed, or lost a deadlock) is rolled back;
/// the write that failed runs in a transaction of its own, where it fails alone or is retried, and the
/// rest go again together. So one write's failure never undoes another's. Batches on two nodes lock
/// their threads in no agreed order and can deadlock: PostgreSQL ends one after its deadlock_timeout
/// (1 s by default). A batch that waited for a lock a shorter while (a lock timeout of 20 to 200 ms)
/// and went again was measured, and lost more than it won: the waits it gave up were mostly for the
/// node's own claims and lease renewals, and each rerun cost a batch (pg-bursts, 1 node: 290 to 5,223
/// of 6,000 calls past the 5 s budget, against none without).
/// </para>
/// </summary>
internal sealed partial class PostgresWriter : IAsyncDisposable
{
    /// <summary>At most this many writes share a transaction, so that its row locks are held briefly.</summary>
    private const int MaxBatch = 64;

    private const int MaxAttempts = 5;

    /// <summary>How many times a batch goes again without the write that failed it before its writes run one by one.</summary>
    private const int MaxBatchTries = 3;

    private readonly NpgsqlDataSource _data;
    private readonly ChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly string _node;
    private readonly Telemetry.ThreadlineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite>[] _queues;
    private readonly Task[] _lanes;
    private int _nextUnplaced;
    private readonly TimeSpan _patience;

    public PostgresWriter(PostgresDatabase database, int writers, TimeProvider time, Telemetry.ThreadlineMetrics metrics, ILogger logger)
    {
        (_data, _changes, _node, _time, _metrics, _logger) = (database.DataSource, database.Changes, database.Node, time, metrics, logger);
        // A caller waits at most the store's budget; a write still queued past it is answered unavailable already.
        _patience = database.Budget == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : database.Budget;
        _queues = Enumerable.Range(0, writers)
            .Select(_ => Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(16_384) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }))
            .ToArray();
        _lanes = _queues.Select(queue => Task.Run(() => LaneAsync(queue.Reader))).ToArray();
    }

    /// <param name="committed">Called once the write's transaction committed, before its task completes.</param>
    /// <param name="thread">Which thread the write is about, if known: the writes of one thread share a writer.</param>
    /// <param name="ct">A write whose caller left before it started is not run.</param>
    public Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, Action? committed, string? thread, CancellationToken ct)
    {
        var write = new PendingWrite<T>(work, committed, ct);
        var lane = thread is null
            ? (uint)Interlocked.Increment(ref _nextUnplaced) % (uint)_queues.Length
            : (uint)StringComparer.Ordinal.GetHashCode(thread) % (uint)_queues.Length;
        var queue = _queues[lane].Writer;
        if (queue.TryWrite(write))
            return write.Task;
        return EnqueueSlowAsync(queue, write, ct);
    }

    private static async Task<T> EnqueueSlowAsync<T>(ChannelWriter<PendingWrite> queue, PendingWrite<T> write, CancellationToken ct)
    {
        await queue.WriteAsync(write, ct);
        return await write.Task;
    }

    private async Task LaneAsync(ChannelReader<PendingWrite> reader)
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var waiting = reader.Count;
            while (batch.Count < MaxBatch && reader.TryRead(out var write))
            {
                if (!write.GiveUpIfAbandoned(_patience))
                    batch.Add(write);
            }
            if (batch.Count == 0)
                continue;
            var started = Stopwatch.GetTimestamp();
            try
            {
                await RunBatchAsync(batch);
            }
            catch (Exception e)
            {
                // Its callers get the failure (an outage answers 503 from there); the log only notes it.
                LogLaneFailed(_logger, batch.Count, e.Message);
                foreach (var write in batch)
                    write.Fail(e);
            }
            _metrics.WriterBatch(waiting, batch.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private async Task RunBatchAsync(List<PendingWrite> batch)
    {
        for (var tries = 1; ; tries++)
        {
            if (batch.Count == 1)
            {
                await RunAloneAsync(batch[0]);
                return;
            }
            if (await TryBatchAsync(batch) is not { } culprit)
                return;
            // Nothing of the batch is committed. The write that failed (or waited too long for a lock)
            // runs on its own, where it waits as long as it must or fails alone; the others go again
            // together. A batch that keeps failing runs write by write.
            batch.Remove(culprit);
            if (tries == MaxBatchTries)
            {
                foreach (var write in batch)
                    await RunAloneAsync(write);
                batch.Clear();
            }
            await RunAloneAsync(culprit);
            if (batch.Count == 0)
                return;
        }
    }

    /// <returns>Null when the batch committed (or its commit failed, which fails its writes); otherwise the write that failed.</returns>
    private async Task<PendingWrite?> TryBatchAsync(List<PendingWrite> batch)
    {
        await using var connection = await _data.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var running = batch[0];
        try
        {
            foreach (var write in batch)
            {
                running = write;
                var session = new PostgresSession(connection, transaction, _time);
                await write.RunAsync(session);
                write.Changes.AddRange(session.Changes);
            }
        }
        catch (Exception e)
        {
            LogBatchSplit(_logger, batch.Count, e.Message);
            await transaction.DisposeAsync();
            foreach (var write in batch)
                write.Changes.Clear();
            return running;
        }

        await using (transaction)
        {
            // A commit that failed may still have happened: its writes fail, and are not run again here.
            await CommitAsync(transaction, batch.SelectMany(w => w.Changes).ToList());
        }
        foreach (var write in batch)
            write.Complete(_changes);
        return null;
    }

    private async Task RunAloneAsync(PendingWrite write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _data.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
                var session = new PostgresSession(connection, transaction, _time);
                await write.RunAsync(session);
                await CommitAsync(transaction, session.Changes);
                write.Changes.AddRange(session.Changes);
                write.Complete(_changes);
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                              && attempt < MaxAttempts)
            {
                LogRetried(_logger, attempt, e.SqlState);
                // Real time, whatever the queue's clock: the other transaction is running now.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)));
            }
            catch (Exception e)
            {
                write.Fail(e);
                return;
            }
        }
    }

    /// <summary>Tells the other nodes what the transaction changed, in the transaction, and commits it.</summary>
    private async Task CommitAsync(NpgsqlTransaction transaction, IReadOnlyList<StoreChange> changes)
    {
        if (PostgresChangeMessage.Encode(_node, changes) is { } payload)
        {
            await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", transaction.Connection, transaction);
            notify.Parameters.Add(new NpgsqlParameter { Value = PostgresChangeMessage.Channel });
            notify.Parameters.Add(new NpgsqlParameter { Value = payload });
            await notify.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
            queue.Writer.TryComplete();
        await Task.WhenAll(_lanes);
    }

    [LoggerMessage(EventId = 114, Level = LogLevel.Debug, Message = "A write was run again (attempt {Attempt} lost a {SqlState})")]
    private static partial void LogRetried(ILogger logger, int attempt, string sqlState);

    [LoggerMessage(EventId = 117, Level = LogLevel.Debug, Message = "A batch of {Count} writes goes again without the one that failed ({Reason})")]
    private static partial void LogBatchSplit(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 118, Level = LogLevel.Debug, Message = "A batch of {Count} writes failed ({Reason})")]
    private static partial void LogLaneFailed(ILogger logger, int count, string reason);
}
