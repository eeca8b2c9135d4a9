using System.Text.RegularExpressions;

namespace Threadline.Retrieval;

/// <summary>Placeholder until the retrieval branch lands: words quoted and OR'ed.</summary>
internal static partial class KeywordQuery
{
    public static string? ToFts5(string query)
    {
        var words = Words().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        return words.Count == 0 ? null : string.Join(" OR ", words.Select(w => "\"" + w + "\""));
    }

    public static string? ToPostgresTsQuery(string query)
    {
        var words = Words().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        return words.Count == 0 ? null : string.Join(" | ", words);
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Words();
}
