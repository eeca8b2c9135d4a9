using System.Text;

namespace Threadline.Retrieval;

/// <summary>Strict UTF-8: a byte that is not UTF-8 makes the file invalid instead of a U+FFFD in its chunks.</summary>
internal static class Utf8Text
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
            bytes = bytes[3..];
        try
        {
            var text = Strict.GetString(bytes);
            // Valid UTF-8 can still be binary (an image named .txt); text files do not hold NUL.
            return text.Contains('\0') ? null : text;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
