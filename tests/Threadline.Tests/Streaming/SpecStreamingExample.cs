using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.Streaming;

/// <summary>The streaming examples of the wire spec (<c>x-oaiMeta.examples</c> of an operation), read from the spec file.</summary>
internal static class SpecStreamingExample
{
    private static readonly Lazy<JsonObject> Document = new(() =>
        (JsonObject)YamlToJson.Convert(File.ReadAllText(SpecSchemas.SpecPath))!);

    /// <summary>The example's response text: <c>createRun</c>'s "Streaming" is <c>("/threads/{thread_id}/runs", "post", "Streaming")</c>.</summary>
    public static string Response(string path, string method, string title)
    {
        var examples = Document.Value["paths"]?[path]?[method]?["x-oaiMeta"]?["examples"] as JsonArray
            ?? throw new InvalidOperationException($"The spec has no x-oaiMeta examples for {method} {path}.");
        var example = examples.FirstOrDefault(e => (string?)e?["title"] == title)
            ?? throw new InvalidOperationException($"The spec has no example '{title}' for {method} {path}.");
        return (string?)example["response"] ?? throw new InvalidOperationException($"Example '{title}' of {method} {path} has no response.");
    }

    /// <summary>
    /// The event names of the example, in order, consecutive <c>thread.message.delta</c> events (the
    /// example elides some of them with "...") written once as <c>thread.message.delta...</c>.
    /// </summary>
    public static List<string> EventNames(string path, string method, string title)
    {
        var names = Response(path, method, title)
            .Split('\n')
            .Where(line => line.StartsWith("event: ", StringComparison.Ordinal))
            .Select(line => line["event: ".Length..].Trim());
        return Sse.CollapseDeltas(names);
    }

    /// <summary>
    /// The example's frames in order: each event name with its data (<c>[DONE]</c> for <c>done</c>). Some of the
    /// spec's example lines close one brace too many (<c>..."parallel_tool_calls":true}}</c>): those are read up
    /// to the end of their object.
    /// </summary>
    public static List<SseFrame> Frames(string path, string method, string title)
    {
        var frames = new List<SseFrame>();
        string? name = null;
        foreach (var line in Response(path, method, title).Split('\n'))
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line["event: ".Length..].Trim();
            else if (name is not null && (line.StartsWith("data: ", StringComparison.Ordinal) || line.StartsWith('{')))
            {
                // One of the examples lost the "data: " of a line: its object alone is taken as the data.
                var data = (line.StartsWith('{') ? line : line["data: ".Length..]).Trim();
                frames.Add(new SseFrame(name, data.StartsWith('{') ? ParseLenient(data).ToJsonString() : data));
                name = null;
            }
        }
        return frames;
    }

    private static JsonObject ParseLenient(string json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
        return JsonNode.Parse(document.RootElement.GetRawText())!.AsObject();
    }
}
