using System.Collections.Concurrent;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// A fixed number of read connections, each keeping its prepared statements. A read takes a free
/// one (waiting when all are busy) and runs on the caller's thread: SQLite reads are in-process.
/// </summary>
internal sealed class SqliteReadPool(SqliteConnections connections, TimeProvider time) : IDisposable
{
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly SemaphoreSlim _free = new(connections.Options.ReadConnections, connections.Options.ReadConnections);

    public async ValueTask<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        if (!_free.Wait(0, CancellationToken.None))
            await _free.WaitAsync(ct);
        SqliteSession? session = null;
        try
        {
            session = _idle.TryTake(out var idle) ? idle : connections.OpenReader();
            session.Begin(time.GetUtcNow().ToUnixTimeMilliseconds());
            var result = await work(session);
            _idle.Add(session);
            session = null;
            return result;
        }
        finally
        {
            // A session whose read failed is dropped, in case its connection is what failed.
            session?.Dispose();
            _free.Release();
        }
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var session))
            session.Dispose();
    }
}
