using Threadline.Domain;

namespace Threadline.Storage;

/// <summary>How domain values are bound as parameters, and SQL both dialects share.</summary>
internal static class SqlValues
{
    /// <summary>A JSON column that is NULL when the value is JSON null.</summary>
    public static string? OrNull(this RawJson json) => json.IsNull ? null : json.Text;

    public static long Flag(this bool value) => value ? 1 : 0;

    /// <summary>The statuses a run holds the thread in (I1), as SQL.</summary>
    public const string ActiveStatuses = "('in_progress', 'requires_action', 'cancelling')";

    /// <summary>The statuses an execution holds a run in.</summary>
    public const string HeldStatuses = "('in_progress', 'cancelling')";

    /// <summary>Column lists for <c>RETURNING</c>, which takes no table alias.</summary>
    public static string Unaliased(string columns) => columns.Replace("x.", "", StringComparison.Ordinal);

    /// <summary>Ids as a JSON array, for <c>json_each</c> (SQLite) or a <c>jsonb</c> parameter.</summary>
    public static string JsonArray(IEnumerable<string> ids) =>
        System.Text.Json.JsonSerializer.Serialize(ids.ToArray(), Api.WireJsonContext.Default.StringArray);

    public static string JsonArray(IEnumerable<long> ids) => "[" + string.Join(',', ids) + "]";
}
