using System.Text.RegularExpressions;

namespace Threadline.Retrieval.FileSearch;

/// <summary>A <c>file_citation</c> annotation: the marker's text, where it sits in the reply, and its file.</summary>
internal sealed record FileCitation(string Text, int StartIndex, int EndIndex, string FileId);

/// <summary>Finds the source markers a reply carries (<c>【n†…】</c>, also the hosted <c>【m:n†…】</c>) and names their files.</summary>
internal static partial class FileCitations
{
    public static IReadOnlyList<FileCitation> In(string reply, IReadOnlyList<string> fileOfSource)
    {
        var found = new List<FileCitation>();
        if (fileOfSource.Count == 0)
            return found;
        foreach (Match m in Marker().Matches(reply))
            if (int.TryParse(m.Groups["source"].ValueSpan, out var source) && source >= 0 && source < fileOfSource.Count)
                found.Add(new FileCitation(m.Value, m.Index, m.Index + m.Length, fileOfSource[source]));
        return found;
    }

    [GeneratedRegex(@"【(?:\d+:)?(?<source>\d+)†[^】]*】")]
    private static partial Regex Marker();
}
