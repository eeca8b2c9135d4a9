using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Threadline.Retrieval;

/// <summary>A PDF's text, page by page in content order, pages apart by a blank line.</summary>
internal static class PdfText
{
    public static string Extract(byte[] content)
    {
        using var document = PdfDocument.Open(content);
        var pages = new List<string>(document.NumberOfPages);
        foreach (var page in document.GetPages())
        {
            var text = ContentOrderTextExtractor.GetText(page).Trim();
            if (text.Length > 0) pages.Add(text);
        }
        return string.Join("\n\n", pages);
    }
}
