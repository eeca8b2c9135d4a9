namespace Threadline.Bench.Infrastructure;

/// <summary>
/// Reads a server's database from the harness (SQLite file or PostgreSQL database): what the API
/// acknowledged, runs per user, when runs ended. Only reads; the SQL must be valid in both dialects.
/// </summary>
internal interface IStoreReader : IAsyncDisposable
{
    Task<T> ScalarAsync<T>(string sql, CancellationToken ct);

    Task<List<object?[]>> RowsAsync(string sql, CancellationToken ct);
}

/// <summary>What the scenarios ask of any store, written once over <see cref="IStoreReader"/>.</summary>
internal static class StoreReaderQueries
{
    /// <summary>Every row of a reader as an array of values (null for SQL NULL): both readers' <c>RowsAsync</c>.</summary>
    public static async Task<List<object?[]>> ReadAllAsync(System.Data.Common.DbDataReader reader, CancellationToken ct)
    {
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>A scalar as <typeparamref name="T"/>, 0 when the query gave NULL or nothing.</summary>
    public static T Scalar<T>(object? value) =>
        (T)Convert.ChangeType(value is null or DBNull ? 0L : value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>How many of <paramref name="ids"/> are in the <c>id</c> column of <paramref name="table"/>.</summary>
    public static async Task<int> CountPresentAsync(this IStoreReader store, IEnumerable<string> ids, string table, CancellationToken ct)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in await store.RowsAsync($"SELECT id FROM {table}", ct))
            stored.Add((string)row[0]!);
        return ids.Count(stored.Contains);
    }

    /// <summary>Polls until <paramref name="sql"/> (a count) reaches <paramref name="expected"/> or the deadline passes; returns the last count.</summary>
    public static async Task<long> WaitForCountAsync(this IStoreReader store, string sql, long expected, TimeSpan timeout, CancellationToken ct, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var count = await store.ScalarAsync<long>(sql, ct);
            if (count >= expected || DateTime.UtcNow > deadline)
                return count;
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100), ct);
        }
    }
}
