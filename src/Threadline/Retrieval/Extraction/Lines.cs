using System.Text;
using System.Text.RegularExpressions;

namespace Threadline.Retrieval;

/// <summary>Whitespace tidying for text pulled out of markup: runs of spaces collapsed, empty lines dropped.</summary>
internal static partial class Lines
{
    public static string Tidy(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var line in text.Split('\n'))
        {
            var tidy = Spaces().Replace(line, " ").Trim();
            if (tidy.Length == 0) continue;
            if (result.Length > 0) result.Append('\n');
            result.Append(tidy);
        }
        return result.ToString();
    }

    [GeneratedRegex(@"[ \t\r\f\v\u00A0]+")]
    private static partial Regex Spaces();
}
