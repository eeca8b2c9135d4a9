namespace Threadline.Retrieval;

/// <summary>How a file's bytes become text, decided by its extension alone (as the hosted API did).</summary>
internal enum FileKind
{
    Unsupported,
    PlainText,
    Html,
    Pdf,
    Docx,
}

internal static class FileKinds
{
    // The hosted file_search list, less the Office formats with no reader here (.doc, .pptx); .csv was
    // never on it.
    private static readonly Dictionary<string, FileKind> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".c"] = FileKind.PlainText, [".cpp"] = FileKind.PlainText, [".cs"] = FileKind.PlainText,
        [".css"] = FileKind.PlainText, [".go"] = FileKind.PlainText, [".java"] = FileKind.PlainText,
        [".js"] = FileKind.PlainText, [".json"] = FileKind.PlainText, [".md"] = FileKind.PlainText,
        [".php"] = FileKind.PlainText, [".py"] = FileKind.PlainText, [".rb"] = FileKind.PlainText,
        [".sh"] = FileKind.PlainText, [".tex"] = FileKind.PlainText, [".ts"] = FileKind.PlainText,
        [".txt"] = FileKind.PlainText,
        [".html"] = FileKind.Html, [".htm"] = FileKind.Html,
        [".pdf"] = FileKind.Pdf,
        [".docx"] = FileKind.Docx,
    };

    public static FileKind Of(string filename) =>
        ByExtension.GetValueOrDefault(Path.GetExtension(filename), FileKind.Unsupported);
}
