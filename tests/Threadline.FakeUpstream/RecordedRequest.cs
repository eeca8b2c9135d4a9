using System.Text.Json;
using System.Text.Json.Nodes;

namespace Threadline.FakeUpstream;

/// <summary>One request the fake received (any route), recorded before it is answered.</summary>
public sealed class RecordedRequest
{
    internal RecordedRequest(long sequence, string method, string path, string queryString,
        IReadOnlyDictionary<string, string> headers, string rawBody, JsonNode? body, DateTimeOffset receivedAt)
    {
        Sequence = sequence;
        Method = method;
        Path = path;
        QueryString = queryString;
        Headers = headers;
        RawBody = rawBody;
        Body = body;
        ReceivedAt = receivedAt;
    }

    /// <summary>1 for the first request since start (or <see cref="FakeUpstreamServer.Reset"/>), then 2, 3, ...</summary>
    public long Sequence { get; }

    public string Method { get; }

    /// <summary>The path, e.g. <c>/v1/chat/completions</c>.</summary>
    public string Path { get; }

    /// <summary>The query string with its <c>?</c>, or empty.</summary>
    public string QueryString { get; }

    /// <summary>Every header, case-insensitive; repeated headers joined with <c>", "</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The body as received (empty when there was none).</summary>
    public string RawBody { get; }

    /// <summary>The body parsed as JSON; null when it was empty or not JSON.</summary>
    public JsonNode? Body { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The behaviour the fake chose for it (chat completions only; null until chosen, or for other routes).</summary>
    public FakeBehavior? Behavior { get; internal set; }

    /// <summary>The <c>Authorization</c> header, e.g. <c>Bearer sk-test</c>.</summary>
    public string? Authorization => Header("Authorization");

    /// <summary>The body's <c>model</c>.</summary>
    public string? Model => Json.String(Body?["model"]);

    /// <summary>Whether the body asked for <c>"stream": true</c>.</summary>
    public bool IsStreaming => Json.IsTrue(Body?["stream"]);

    /// <summary>The body's <c>messages</c> (empty when absent).</summary>
    public IReadOnlyList<JsonNode?> Messages => Body?["messages"] is JsonArray messages ? [.. messages] : [];

    /// <summary>The text of the last <c>user</c> message (string content or its text parts), or null.</summary>
    public string? LastUserText => Json.LastUserText(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString()
    {
        var body = RawBody.Length > 300 ? RawBody[..300] + "..." : RawBody;
        return $"#{Sequence} {Method} {Path}{QueryString} {body}";
    }
}

internal static class Json
{
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public static bool IsTrue(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    public static int? Int(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number) ? number : null;

    /// <summary>The text of a message's <c>content</c>: a string, or the <c>text</c> of its parts joined with spaces.</summary>
    public static string? ContentText(JsonNode? content) => content switch
    {
        JsonValue => String(content),
        JsonArray parts => string.Join(' ', parts.Select(p => p is JsonObject part ? String(part["text"]) : null).OfType<string>()),
        _ => null,
    };

    public static string? LastUserText(JsonNode? body)
    {
        if (body?["messages"] is not JsonArray messages)
        {
            return null;
        }

        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i] is JsonObject message && String(message["role"]) == "user")
            {
                return ContentText(message["content"]);
            }
        }

        return null;
    }
}
