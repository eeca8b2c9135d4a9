using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Threadline.Storage.Postgres;

/// <summary>
/// A statement's <c>@name</c> parameters as PostgreSQL's own <c>$1, $2, ...</c>, worked out once per SQL
/// text. Npgsql rewrites named parameters by parsing the SQL on every execution, which was a large
/// part of what a write cost the node; positional ones go through as they are.
/// </summary>
internal sealed partial record PositionalSql(string Sql, string[] Names)
{
    /// <summary>Texts kept; SQL built per request (paging and filter variants) stays well under it.</summary>
    private const int MaxCached = 4_096;

    private static readonly ConcurrentDictionary<string, PositionalSql> Cache = new(StringComparer.Ordinal);

    public static PositionalSql Of(string sql)
    {
        if (Cache.TryGetValue(sql, out var known))
            return known;
        if (Cache.Count >= MaxCached)
            Cache.Clear();
        var names = new List<string>();
        var text = Parameter().Replace(sql, m =>
        {
            var i = names.IndexOf(m.Groups[1].Value);
            if (i < 0)
            {
                names.Add(m.Groups[1].Value);
                i = names.Count - 1;
            }
            return "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        return Cache[sql] = new PositionalSql(text, [.. names]);
    }

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();
}
