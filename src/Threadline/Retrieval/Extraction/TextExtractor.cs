namespace Threadline.Retrieval;

/// <summary>A file's text for chunking, chosen by its extension; failures come back as values, not exceptions.</summary>
internal static class TextExtractor
{
    public static bool IsSupported(string filename) => FileKinds.Of(filename) != FileKind.Unsupported;

    public static ExtractedText Extract(string filename, byte[] content)
    {
        var kind = FileKinds.Of(filename);
        if (kind == FileKind.Unsupported)
        {
            var extension = Path.GetExtension(filename);
            return ExtractedText.Unsupported(extension.Length == 0
                ? "Files without an extension are not supported for retrieval."
                : $"Files with extension [{extension}] are not supported for retrieval.");
        }

        if (content.Length == 0)
            return ExtractedText.Invalid("The file has no text.");

        return kind switch
        {
            FileKind.PlainText => Utf8Text.Decode(content) is { } text
                ? ExtractedText.Of(text)
                : ExtractedText.Invalid("The file is not valid UTF-8 text."),
            FileKind.Html => Utf8Text.Decode(content) is { } html
                ? ExtractedText.Of(HtmlText.Extract(html))
                : ExtractedText.Invalid("The file is not valid UTF-8 text."),
            FileKind.Pdf => FromParser(() => PdfText.Extract(content), "PDF"),
            _ => FromParser(() => DocxText.Extract(content), "DOCX"),
        };
    }

    // The parsers throw many exception types on damaged input (PdfDocumentFormatException,
    // OpenXmlPackageException, InvalidDataException, ...); every one means the same thing here.
    private static ExtractedText FromParser(Func<string> parse, string format)
    {
        try
        {
            return ExtractedText.Of(parse());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ExtractedText.Invalid($"The file is not a readable {format} document.");
        }
    }
}
