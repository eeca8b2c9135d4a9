using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// The store on an embedded SQLite file. Writers take the database's write lock up front
/// (<c>BEGIN IMMEDIATE</c>), so every rule decided inside a method holds across processes.
/// </summary>
internal sealed partial class SqliteStore(SqliteDatabase db, IEventPayloads payloads, TimeProvider time) : IThreadlineStore
{
    /// <summary>
    /// The instant a write takes effect: read inside the transaction, since a write may wait for
    /// the database's write lock after its caller read the clock. Recorded start and end times and
    /// debounce deadlines thus follow the order the database put the writes in.
    /// </summary>
    private long Now(long requestedMs) => Math.Max(requestedMs, time.GetUtcNow().ToUnixTimeMilliseconds());

    private const string ActiveStatuses = "('in_progress', 'requires_action', 'cancelling')";

    /// <summary>For strict mode: the run that holds the thread, as the hosted API saw it (any run not yet ended, queued included).</summary>
    private static Task<string?> RunBlockingAsync(SqliteConnection c, IDbTransaction tx, string threadId) =>
        c.ExecuteScalarAsync<string?>($"""
            SELECT id FROM runs WHERE thread_id = @threadId AND status IN ('queued', {ActiveStatuses[1..^1]})
            ORDER BY status = 'queued', queue_key LIMIT 1
            """, new { threadId }, tx);

    public Task PingAsync(CancellationToken ct) =>
        db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT 1"), ct);

    private static async Task<T?> SingleAsync<T>(SqliteConnection c, string sql, object param, Func<DbDataReader, T> map, IDbTransaction? tx = null)
        where T : class
    {
        await using var reader = await c.ExecuteReaderAsync(sql, param, tx);
        return await reader.ReadAsync() ? map(reader) : null;
    }

    private static async Task<List<T>> ListAsync<T>(SqliteConnection c, string sql, object param, Func<DbDataReader, T> map, IDbTransaction? tx = null)
    {
        var items = new List<T>();
        await using var reader = await c.ExecuteReaderAsync(sql, param, tx);
        while (await reader.ReadAsync())
            items.Add(map(reader));
        return items;
    }

    /// <summary>
    /// One cursor page of <c>{select} WHERE {scope}</c>, ordered by <paramref name="keys"/> (columns of
    /// alias <c>x</c>); the cursors are ids whose keys bound the page. A <c>before</c> page is read
    /// backwards from its cursor, so that it holds the objects nearest to it, then turned around.
    /// </summary>
    private static async Task<Page<T>> PageAsync<T>(SqliteConnection c, string select, string table, string scope, string keys,
        DynamicParameters parameters, PageRequest page, Func<DbDataReader, T> map)
    {
        var aliased = string.Join(", ", keys.Split(',').Select(k => "x." + k.Trim()));
        var where = new List<string> { scope };
        if (page.After is not null)
            where.Add($"({aliased}) {(page.Descending ? "<" : ">")} (SELECT {keys} FROM {table} WHERE id = @__after)");
        if (page.Before is not null)
            where.Add($"({aliased}) {(page.Descending ? ">" : "<")} (SELECT {keys} FROM {table} WHERE id = @__before)");
        var backwards = page.Before is not null && page.After is null;
        var direction = page.Descending ^ backwards ? "DESC" : "ASC";
        var order = string.Join(", ", aliased.Split(',').Select(k => $"{k.Trim()} {direction}"));
        parameters.Add("__after", page.After);
        parameters.Add("__before", page.Before);
        parameters.Add("__limit", page.Limit + 1);
        var items = await ListAsync(c, $"{select} WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT @__limit", parameters, map);
        var hasMore = items.Count > page.Limit;
        if (hasMore)
            items.RemoveAt(items.Count - 1);
        if (backwards)
            items.Reverse();
        return new Page<T>(items, hasMore);
    }
}
