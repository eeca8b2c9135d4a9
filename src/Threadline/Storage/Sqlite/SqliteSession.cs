using System.Data.Common;
using Microsoft.Data.Sqlite;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// One open connection and its prepared statements. A statement is prepared the first time its SQL
/// runs on this connection and reused after that (Microsoft.Data.Sqlite keeps a command's
/// compiled statements while its text stays the same), which is most of what a write costs.
/// </summary>
internal sealed class SqliteSession : IStoreSession, IDisposable
{
    /// <summary>Statements kept per connection; SQL built per request (paging variants) stays well under it.</summary>
    private const int MaxCachedCommands = 512;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly List<StoreChange> _changes = [];

    public SqliteSession(SqliteConnection connection, bool writable)
    {
        Connection = connection;
        Writable = writable;
        Assistants = new SqliteAssistantDriver(this);
        Threads = new SqliteThreadDriver(this);
        Messages = new SqliteMessageDriver(this);
        Runs = new SqliteRunDriver(this);
        RunSteps = new SqliteRunStepDriver(this);
        Webhooks = new SqliteWebhookDriver(this);
        Idempotency = new SqliteIdempotencyDriver(this);
        Files = new SqliteFileDriver(this);
        VectorStores = new SqliteVectorStoreDriver(this);
        Dashboard = new SqliteDashboardDriver(this);
    }

    public SqliteConnection Connection { get; }

    public bool Writable { get; }

    public long NowMs { get; set; }

    public IAssistantDriver Assistants { get; }
    public IThreadDriver Threads { get; }
    public IMessageDriver Messages { get; }
    public IRunDriver Runs { get; }
    public IRunStepDriver RunSteps { get; }
    public IWebhookDriver Webhooks { get; }
    public IIdempotencyDriver Idempotency { get; }
    public IFileDriver Files { get; }
    public IVectorStoreDriver VectorStores { get; }
    public IDashboardDriver Dashboard { get; }

    public IReadOnlyList<StoreChange> Changes => _changes;

    public void Announce(StoreChange change)
    {
        if (!Writable)
            throw new InvalidOperationException("A read session cannot announce changes.");
        _changes.Add(change);
    }

    /// <summary>Starts the next unit of work on this connection.</summary>
    public void Begin(long nowMs)
    {
        NowMs = nowMs;
        _changes.Clear();
    }

    /// <summary>Sees every command this session runs (a test reads their query plans); null in the server.</summary>
    internal Action<SqliteCommand>? Tap { get; set; }

    /// <summary>The prepared command for <paramref name="sql"/>, its parameters left from the last use (each bind overwrites).</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
            command = Prepare(sql);
        Tap?.Invoke(command);
        return command;
    }

    private SqliteCommand Prepare(string sql)
    {
        if (_commands.Count >= MaxCachedCommands)
            ClearCommands();
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        // Prepared now, in full: a command prepared lazily by a reader that is disposed before its
        // last statement is enumerated would be parsed again on every use.
        command.Prepare();
        _commands[sql] = command;
        return command;
    }

    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Bind(Command(sql), parameters).ExecuteNonQuery();

    public object? Scalar(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Bind(Command(sql), parameters).ExecuteScalar() is var v && v is DBNull ? null : v;

    public long? ScalarLong(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Scalar(sql, parameters) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    public T? Single<T>(string sql, Func<DbDataReader, T> map, params ReadOnlySpan<(string Name, object? Value)> parameters) where T : class
    {
        using var reader = Bind(Command(sql), parameters).ExecuteReader();
        return reader.Read() ? map(reader) : null;
    }

    public List<T> List<T>(string sql, Func<DbDataReader, T> map, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var items = new List<T>();
        using var reader = Bind(Command(sql), parameters).ExecuteReader();
        while (reader.Read())
            items.Add(map(reader));
        return items;
    }

    public static SqliteCommand Bind(SqliteCommand command, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var bound = command.Parameters;
        foreach (var (name, value) in parameters)
        {
            var i = bound.IndexOf(name);
            if (i >= 0)
                bound[i].Value = value ?? DBNull.Value;
            else
                bound.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    private void ClearCommands()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
    }

    public void Dispose()
    {
        ClearCommands();
        Connection.Dispose();
    }
}
