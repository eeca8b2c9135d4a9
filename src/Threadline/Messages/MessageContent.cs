using System.Buffers;
using System.Text;
using System.Text.Json;
using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>Message content in its stored (and wire) form: <c>[{"type":"text","text":{"value","annotations":[]}}, ...]</c>.</summary>
internal static class MessageContent
{
    private static readonly JsonWriterOptions Options = new() { Encoder = WireEscaping.Options.Encoder };

    /// <summary>One text part, with the <c>file_citation</c> annotations of its source markers.</summary>
    public static RawJson FromText(string text, IReadOnlyList<Retrieval.FileSearch.FileCitation>? citations = null)
    {
        var buffer = new ArrayBufferWriter<byte>(text.Length + 64);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartArray();
            WriteText(w, text, citations);
            w.WriteEndArray();
        }
        return RawJson.Trusted(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    public static void WriteText(Utf8JsonWriter w, string text, IReadOnlyList<Retrieval.FileSearch.FileCitation>? citations = null)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteStartObject("text");
        w.WriteString("value", text);
        w.WriteStartArray("annotations");
        foreach (var c in citations ?? [])
        {
            w.WriteStartObject();
            w.WriteString("type", "file_citation");
            w.WriteString("text", c.Text);
            w.WriteStartObject("file_citation");
            w.WriteString("file_id", c.FileId);
            w.WriteEndObject();
            w.WriteNumber("start_index", c.StartIndex);
            w.WriteNumber("end_index", c.EndIndex);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The text parts joined by <c>\n</c>.</summary>
    public static string TextOf(RawJson content)
    {
        if (content.IsNull)
            return "";
        using var document = JsonDocument.Parse(content.Text);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            return "";
        var texts = new List<string>();
        foreach (var part in document.RootElement.EnumerateArray())
            if (part.TryGetProperty("type", out var type) && type.ValueEquals("text")
                && part.TryGetProperty("text", out var text) && text.TryGetProperty("value", out var value))
                texts.Add(value.GetString() ?? "");
        return string.Join("\n", texts);
    }

    /// <summary>The image parts' URLs (for the model's context).</summary>
    public static IEnumerable<(string Kind, string Reference)> Images(RawJson content)
    {
        using var document = JsonDocument.Parse(content.Text);
        var images = new List<(string, string)>();
        if (document.RootElement.ValueKind == JsonValueKind.Array)
            foreach (var part in document.RootElement.EnumerateArray())
                if (part.TryGetProperty("type", out var t) && t.ValueEquals("image_url")
                    && part.GetProperty("image_url").TryGetProperty("url", out var url))
                    images.Add(("image_url", url.GetString() ?? ""));
        return images;
    }
}
