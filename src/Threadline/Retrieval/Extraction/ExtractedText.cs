namespace Threadline.Retrieval;

/// <summary>
/// A file's text, or why there is none: <c>unsupported_file</c> (a type file search does not read) or
/// <c>invalid_file</c> (bytes that are not what the name says, or no text at all), the hosted API's codes.
/// </summary>
internal sealed record ExtractedText(string? Text, string? ErrorCode, string? ErrorMessage)
{
    public const string UnsupportedFile = "unsupported_file";
    public const string InvalidFile = "invalid_file";

    public bool Ok => Text is not null;

    public static ExtractedText Of(string text) =>
        string.IsNullOrWhiteSpace(text) ? Invalid("The file has no text.") : new(text, null, null);

    public static ExtractedText Invalid(string message) => new(null, InvalidFile, message);

    public static ExtractedText Unsupported(string message) => new(null, UnsupportedFile, message);
}
