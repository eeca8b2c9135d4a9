using System.Data;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// Group commit: this process's writes go through one connection, and the writes that queue up
/// while a commit is being synced are run together in the next transaction, each inside its own
/// savepoint (so one failing write does not undo the others), then made durable by a single
/// commit. Each caller's task completes only after that commit (I3). Other processes on the same
/// file take turns through the database's write lock, as before.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    /// <summary>At most this many writes share a commit, so one batch never holds the lock for long.</summary>
    private const int MaxBatch = 256;

    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public SqliteWriter(Func<CancellationToken, Task<SqliteConnection>> open)
    {
        _open = open;
        _loop = Task.Run(LoopAsync);
    }

    public Task<T> WriteAsync<T>(Func<SqliteConnection, IDbTransaction, Task<T>> work)
    {
        var write = new Write<T>(work);
        if (!_queue.Writer.TryWrite(write))
            throw new ObjectDisposedException(nameof(SqliteWriter));
        return write.Task;
    }

    private async Task LoopAsync()
    {
        SqliteConnection? connection = null;
        var batch = new List<Write>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
                batch.Add(write);
            var done = new List<Write>(batch.Count);
            try
            {
                connection ??= await _open(CancellationToken.None);
                // BEGIN IMMEDIATE: take the write lock first, so processes never deadlock upgrading a read.
                using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
                if (batch.Count == 1)
                {
                    // Alone in its transaction: a failure rolls the whole transaction back, no savepoint needed.
                    await batch[0].RunAsync(connection, transaction);
                    done.Add(batch[0]);
                }
                else
                {
                    foreach (var write in batch)
                    {
                        transaction.Save("w");
                        try
                        {
                            await write.RunAsync(connection, transaction);
                            transaction.Release("w");
                            done.Add(write);
                        }
                        catch (Exception e)
                        {
                            transaction.Rollback("w");
                            transaction.Release("w");
                            write.Fail(e);
                        }
                    }
                }
                transaction.Commit();
                foreach (var write in done)
                    write.Complete();
            }
            catch (Exception e)
            {
                // The commit (or the transaction itself) failed: none of the writes happened.
                foreach (var write in batch)
                    write.Fail(e);
                if (connection is not null)
                    await connection.DisposeAsync();
                connection = null;
            }
        }
        if (connection is not null)
            await connection.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private abstract class Write
    {
        public abstract Task RunAsync(SqliteConnection connection, IDbTransaction transaction);
        public abstract void Complete();
        public abstract void Fail(Exception e);
    }

    private sealed class Write<T>(Func<SqliteConnection, IDbTransaction, Task<T>> work) : Write
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _value = default!;

        public Task<T> Task => _result.Task;

        public override async Task RunAsync(SqliteConnection connection, IDbTransaction transaction) =>
            _value = await work(connection, transaction);

        public override void Complete() => _result.TrySetResult(_value);

        public override void Fail(Exception e) => _result.TrySetException(e);
    }
}
