using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Threadline.Bench.Baseline;

/// <summary>A message row as the durable baseline stores it.</summary>
internal sealed record MessageRow(string Id, string ThreadId, long CreatedAt, string Role, string ContentJson, string MetadataJson);

/// <summary>
/// The least a durable SQLite append can cost: one writer connection (WAL, <c>synchronous=FULL</c>),
/// one prepared INSERT, and group commit. Requests queue their row in a channel; the writer takes
/// everything waiting, inserts it in one transaction, commits (one fsync), then completes every
/// request of the batch. Plain Microsoft.Data.Sqlite ADO.NET, nothing else.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _id, _thread, _createdAt, _role, _content, _metadata;
    private readonly Task _loop;
    private long _commits, _rows;

    public GroupCommitWriter(string databasePath)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        using (var setup = _connection.CreateCommand())
        {
            setup.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS messages (
                    id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, created_at INTEGER NOT NULL,
                    role TEXT NOT NULL, content TEXT NOT NULL, metadata TEXT NOT NULL);
                """;
            setup.ExecuteNonQuery();
        }
        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO messages (id, thread_id, created_at, role, content, metadata) VALUES ($id, $thread, $at, $role, $content, $metadata)";
        _id = _insert.Parameters.Add("$id", SqliteType.Text);
        _thread = _insert.Parameters.Add("$thread", SqliteType.Text);
        _createdAt = _insert.Parameters.Add("$at", SqliteType.Integer);
        _role = _insert.Parameters.Add("$role", SqliteType.Text);
        _content = _insert.Parameters.Add("$content", SqliteType.Text);
        _metadata = _insert.Parameters.Add("$metadata", SqliteType.Text);
        _insert.Prepare();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Commits so far, and rows in them: rows / commits is how many messages shared an fsync.</summary>
    public (long Commits, long Rows) Counts => (Interlocked.Read(ref _commits), Interlocked.Read(ref _rows));

    /// <summary>Completes once the commit that holds <paramref name="row"/> is durable.</summary>
    public Task AppendAsync(MessageRow row)
    {
        var pending = new Pending(row);
        if (!_queue.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(GroupCommitWriter));
        return pending.Committed.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (_queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            try
            {
                using var transaction = _connection.BeginTransaction();
                _insert.Transaction = transaction;
                foreach (var pending in batch)
                {
                    (_id.Value, _thread.Value, _createdAt.Value, _role.Value, _content.Value, _metadata.Value) =
                        (pending.Row.Id, pending.Row.ThreadId, pending.Row.CreatedAt, pending.Row.Role, pending.Row.ContentJson, pending.Row.MetadataJson);
                    _insert.ExecuteNonQuery();
                }
                transaction.Commit();
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _rows, batch.Count);
                foreach (var pending in batch)
                    pending.Committed.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                    pending.Committed.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        _insert.Dispose();
        await _connection.DisposeAsync();
    }

    /// <summary>Continuations run on the thread pool, not on the writer, so the writer goes straight on to the next batch.</summary>
    private sealed record Pending(MessageRow Row)
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
