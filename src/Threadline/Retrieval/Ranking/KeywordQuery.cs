using System.Text.RegularExpressions;

namespace Threadline.Retrieval;

/// <summary>
/// A user's free text as a keyword query that cannot be read as query syntax: only letter and digit
/// runs survive, stop words go, and what is left is OR'ed (BM25 ranks documents with more of them first).
/// </summary>
internal static partial class KeywordQuery
{
    /// <summary>Enough for any question; a pasted page would otherwise make a very slow query.</summary>
    public const int MaxTerms = 32;

    /// <summary>An FTS5 MATCH expression for a <c>porter unicode61</c> table, e.g. <c>"reset" OR "password"</c>; null when no word is left.</summary>
    public static string? ToFts5(string query) => Join(query, "\"", " OR ");

    /// <summary>A <c>to_tsquery('english', ...)</c> expression, e.g. <c>reset | password</c>; null when no word is left.</summary>
    public static string? ToPostgresTsQuery(string query) => Join(query, "", " | ");

    public static IReadOnlyList<string> Terms(string query) =>
        Word().Matches(query.ToLowerInvariant())
            .Select(m => m.Value)
            .Where(w => !StopWords.English.Contains(w))
            .Distinct(StringComparer.Ordinal)
            .Take(MaxTerms)
            .ToList();

    private static string? Join(string query, string quote, string separator)
    {
        var terms = Terms(query);
        return terms.Count == 0 ? null : string.Join(separator, terms.Select(t => quote + t + quote));
    }

    // Letters (with their combining marks) and digits: the characters unicode61 and the English
    // parser keep in a token, and none of the characters either grammar gives a meaning.
    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{M}\p{N}]*")]
    private static partial Regex Word();
}
