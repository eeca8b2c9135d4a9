using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Threadline.Retrieval;

/// <summary>A Word document's body text, one line per paragraph (table cells are paragraphs too).</summary>
internal static class DocxText
{
    public static string Extract(byte[] content)
    {
        using var stream = new MemoryStream(content, writable: false);
        using var document = WordprocessingDocument.Open(stream, isEditable: false);
        var body = document.MainDocumentPart?.Document?.Body;
        if (body is null) return "";
        return string.Join('\n', body.Descendants<Paragraph>().Select(p => p.InnerText).Where(t => t.Length > 0));
    }
}
