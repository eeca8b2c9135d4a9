using System.Data.Common;

namespace Threadline.Storage.Sqlite;

/// <summary>
/// One cursor page of <c>{select} WHERE {scope}</c>, ordered by <c>keys</c> (columns of alias
/// <c>x</c>); the cursors are ids whose keys bound the page. A <c>before</c> page is read backwards
/// from its cursor, so that it holds the objects nearest to it, then turned around. A cursor is
/// looked up in the scope's project (<c>$project</c>, which every scope binds): another project's id
/// answers like an unknown one, and tells neither that it exists nor where it stands.
/// </summary>
internal static class SqlitePaging
{
    public static Page<T> Page<T>(SqliteSession session, string select, string table, string scope, string keys,
        List<(string, object?)> parameters, PageRequest page, Func<DbDataReader, T> map)
    {
        var aliased = string.Join(", ", keys.Split(',').Select(k => "x." + k.Trim()));
        var where = scope;
        if (page.After is not null)
            where += $" AND ({aliased}) {(page.Descending ? "<" : ">")} (SELECT {keys} FROM {table} WHERE id = $__after AND project_id = $project)";
        if (page.Before is not null)
            where += $" AND ({aliased}) {(page.Descending ? ">" : "<")} (SELECT {keys} FROM {table} WHERE id = $__before AND project_id = $project)";
        var backwards = page.Before is not null && page.After is null;
        var direction = page.Descending ^ backwards ? "DESC" : "ASC";
        var order = string.Join(", ", aliased.Split(',').Select(k => $"{k.Trim()} {direction}"));
        if (page.After is not null)
            parameters.Add(("$__after", page.After));
        if (page.Before is not null)
            parameters.Add(("$__before", page.Before));
        parameters.Add(("$__limit", (long)page.Limit + 1));
        var items = session.List($"{select} WHERE {where} ORDER BY {order} LIMIT $__limit", map, [.. parameters]);
        var hasMore = items.Count > page.Limit;
        if (hasMore)
            items.RemoveAt(items.Count - 1);
        if (backwards)
            items.Reverse();
        return new Page<T>(items, hasMore);
    }
}
