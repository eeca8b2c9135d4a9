namespace Threadline.Storage;

/// <summary>
/// The SQL of one cursor page of <c>{select} WHERE {scope}</c>, ordered by <c>keys</c> (columns of
/// alias <c>x</c>), in either dialect (they differ only in how a parameter is named). The cursors
/// are ids whose keys bound the page, looked up in the same project (the scope binds <c>project</c>), so that
/// another project's id answers as an unknown one. A <c>before</c> page is read backwards from its cursor, so
/// that it holds the objects nearest to it; <see cref="Finish{T}"/> turns it around.
/// </summary>
internal static class PagingSql
{
    /// <param name="marker">The dialect's parameter prefix in SQL text: <c>$</c> or <c>@</c>.</param>
    /// <param name="bind">The dialect's parameter name for a name (SQLite binds <c>$name</c>, Npgsql <c>name</c>).</param>
    public static string Build(string select, string table, string scope, string keys, List<(string, object?)> parameters, PageRequest page,
        string marker, Func<string, string> bind)
    {
        var aliased = string.Join(", ", keys.Split(',').Select(k => "x." + k.Trim()));
        var where = scope;
        if (page.After is not null)
            where += $" AND ({aliased}) {(page.Descending ? "<" : ">")} (SELECT {keys} FROM {table} WHERE id = {marker}__after AND project_id = {marker}project)";
        if (page.Before is not null)
            where += $" AND ({aliased}) {(page.Descending ? ">" : "<")} (SELECT {keys} FROM {table} WHERE id = {marker}__before AND project_id = {marker}project)";
        var direction = page.Descending ^ Backwards(page) ? "DESC" : "ASC";
        var order = string.Join(", ", aliased.Split(',').Select(k => $"{k.Trim()} {direction}"));
        if (page.After is not null)
            parameters.Add((bind("__after"), page.After));
        if (page.Before is not null)
            parameters.Add((bind("__before"), page.Before));
        parameters.Add((bind("__limit"), (long)page.Limit + 1));
        return $"{select} WHERE {where} ORDER BY {order} LIMIT {marker}__limit";
    }

    /// <summary>The page from the rows read (one more than the limit, when there are more).</summary>
    public static Page<T> Finish<T>(List<T> items, PageRequest page)
    {
        var hasMore = items.Count > page.Limit;
        if (hasMore)
            items.RemoveAt(items.Count - 1);
        if (Backwards(page))
            items.Reverse();
        return new Page<T>(items, hasMore);
    }

    private static bool Backwards(PageRequest page) => page.Before is not null && page.After is null;
}
