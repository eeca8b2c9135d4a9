using System.Data.Common;
using Threadline.Dashboard;

namespace Threadline.Storage;

/// <summary>
/// One page of a dashboard list in either dialect (they differ only in how a parameter is named, as
/// in <see cref="PagingSql"/>): the filters given, newest first by <c>x.seq</c>, below the
/// <c>before</c> cursor, one row more than the limit to learn whether there is a next page. The
/// select ends with <c>x.seq</c>, which <see cref="WithSeq{T}"/> reads back as the cursor.
/// </summary>
internal sealed class SeqPagingSql(string marker, Func<string, string> bind)
{
    private readonly List<string> _conditions = [];

    public List<(string Name, object? Value)> Parameters { get; } = [];

    /// <summary>Adds <c>{column} {op} value</c> when a value is given (no filter otherwise).</summary>
    public SeqPagingSql Compare(string column, string op, object? value)
    {
        if (value is not null)
            _conditions.Add($"{column} {op} {Parameter(value)}");
        return this;
    }

    /// <summary>A parameter for <paramref name="value"/>, as the SQL names it.</summary>
    public string Parameter(object? value)
    {
        var name = "f" + Parameters.Count;
        Parameters.Add((bind(name), value));
        return marker + name;
    }

    /// <summary>Adds a condition the caller wrote (naming its parameters with <see cref="Parameter"/>).</summary>
    public SeqPagingSql Where(string condition)
    {
        _conditions.Add(condition);
        return this;
    }

    private (string Column, string Table)? _orderedBy;

    /// <summary>
    /// Newest first by <paramref name="column"/> (then seq) instead of seq alone: a range of that
    /// column is then read in the order of its index, not read whole and sorted (a time window of
    /// the run list holds every run of that hour). The cursor is still a row's seq.
    /// </summary>
    public SeqPagingSql OrderedBy(string column, string table)
    {
        _orderedBy = (column, table);
        return this;
    }

    public string Build(string select, long? beforeSeq, int limit)
    {
        string order;
        if (_orderedBy is var (column, table))
        {
            if (beforeSeq is not null)
                Where($"(x.{column}, x.seq) < (SELECT c.{column}, c.seq FROM {table} c WHERE c.seq = {Parameter(beforeSeq)})");
            order = $"x.{column} DESC, x.seq DESC";
        }
        else
        {
            Compare("x.seq", "<", beforeSeq);
            order = "x.seq DESC";
        }
        var where = _conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", _conditions);
        return $"{select}{where} ORDER BY {order} LIMIT {Parameter((long)limit + 1)}";
    }

    /// <summary>A row's object and its <c>seq</c>, selected last.</summary>
    public static Func<DbDataReader, (T Item, long Seq)> WithSeq<T>(Func<DbDataReader, T> map) =>
        r => (map(r), r.GetInt64(r.FieldCount - 1));

    /// <summary>The page from the rows read (up to one more than <paramref name="limit"/>).</summary>
    public static SeqPage<T> Finish<T>(List<(T Item, long Seq)> rows, int limit)
    {
        var more = rows.Count > limit;
        if (more)
            rows.RemoveRange(limit, rows.Count - limit);
        return new SeqPage<T>([.. rows.Select(r => r.Item)], more ? rows[^1].Seq : null);
    }
}
