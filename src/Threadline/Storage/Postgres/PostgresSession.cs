using System.Data.Common;
using Npgsql;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Postgres;

/// <summary>
/// One pooled connection (inside a transaction, for writes) and the dialect's SQL on it. Npgsql
/// prepares a statement on the server after its second use on a connection (Max Auto Prepare), so
/// the SQL text is the key, as with SQLite's prepared statements. The SQL is written with
/// <c>@name</c> parameters and sent with positional ones (<see cref="PositionalSql"/>).
/// </summary>
internal sealed class PostgresSession : IStoreSession
{
    private readonly List<StoreChange> _changes = [];

    private readonly TimeProvider _time;

    public PostgresSession(NpgsqlConnection connection, NpgsqlTransaction? transaction, TimeProvider time)
    {
        Connection = connection;
        Transaction = transaction;
        _time = time;
        NowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        Assistants = new PostgresAssistantDriver(this);
        Threads = new PostgresThreadDriver(this);
        Messages = new PostgresMessageDriver(this);
        Runs = new PostgresRunDriver(this);
        RunSteps = new PostgresRunStepDriver(this);
        Webhooks = new PostgresWebhookDriver(this);
        Idempotency = new PostgresIdempotencyDriver(this);
        Files = new PostgresFileDriver(this);
        VectorStores = new PostgresVectorStoreDriver(this);
        Dashboard = new PostgresDashboardDriver(this);
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction? Transaction { get; }

    public long NowMs { get; private set; }

    /// <summary>
    /// A lock was just taken, perhaps after waiting for another node's transaction: the clock is read
    /// again, so that what this write stamps from here on comes after what the other committed (a run
    /// claimed on a thread never starts, by its timestamps, before the run that held it ended).
    /// </summary>
    public void Locked() => NowMs = Math.Max(NowMs, _time.GetUtcNow().ToUnixTimeMilliseconds());

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
        if (Transaction is null)
            throw new InvalidOperationException("A read session cannot announce changes.");
        _changes.Add(change);
    }

    /// <summary>Sees every command this session runs (a test reads their query plans); null in the server.</summary>
    internal Action<NpgsqlCommand>? Tap { get; set; }

    public NpgsqlCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var positional = PositionalSql.Of(sql);
        var command = new NpgsqlCommand(positional.Sql, Connection, Transaction);
        foreach (var name in positional.Names)
            command.Parameters.Add(new NpgsqlParameter { Value = Find(parameters, name) ?? DBNull.Value });
        Tap?.Invoke(command);
        return command;
    }

    private static object? Find((string Name, object? Value)[] parameters, string name)
    {
        foreach (var (given, value) in parameters)
            if (given == name)
                return value;
        throw new InvalidOperationException($"The statement names @{name}, which was not given.");
    }

    public async ValueTask<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public async ValueTask<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteScalarAsync() is var v && v is DBNull ? null : v;
    }

    public async ValueTask<long?> ScalarLongAsync(string sql, params (string Name, object? Value)[] parameters) =>
        await ScalarAsync(sql, parameters) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    public async ValueTask<T?> SingleAsync<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters) where T : class
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? map(reader) : null;
    }

    public async ValueTask<List<T>> ListAsync<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        var items = new List<T>();
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            items.Add(map(reader));
        return items;
    }
}
