using System.Data.Common;

namespace Threadline.Storage.Postgres;

/// <summary>One cursor page (<see cref="PagingSql"/>) on PostgreSQL.</summary>
internal static class PostgresPaging
{
    public static async ValueTask<Page<T>> PageAsync<T>(PostgresSession session, string select, string table, string scope, string keys,
        List<(string, object?)> parameters, PageRequest page, Func<DbDataReader, T> map)
    {
        var sql = PagingSql.Build(select, table, scope, keys, parameters, page, "@", name => name);
        return PagingSql.Finish(await session.ListAsync(sql, map, [.. parameters]), page);
    }
}
