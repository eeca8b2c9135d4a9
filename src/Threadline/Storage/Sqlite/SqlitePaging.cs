using System.Data.Common;

namespace Threadline.Storage.Sqlite;

/// <summary>One cursor page (<see cref="PagingSql"/>) on SQLite.</summary>
internal static class SqlitePaging
{
    public static Page<T> Page<T>(SqliteSession session, string select, string table, string scope, string keys,
        List<(string, object?)> parameters, PageRequest page, Func<DbDataReader, T> map)
    {
        var sql = PagingSql.Build(select, table, scope, keys, parameters, page, "$", name => "$" + name);
        return PagingSql.Finish(session.List(sql, map, [.. parameters]), page);
    }
}
