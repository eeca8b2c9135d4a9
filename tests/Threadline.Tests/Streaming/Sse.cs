using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Streaming;

/// <summary>One server-sent event as it was on the wire: the <c>event:</c> name and the <c>data:</c> text.</summary>
internal sealed record SseFrame(string Event, string Data)
{
    public JsonObject Json => JsonNode.Parse(Data)?.AsObject() ?? throw new InvalidOperationException($"{Event}: data is null");

    public override string ToString() => $"event: {Event} data: {(Data.Length > 200 ? Data[..200] + "..." : Data)}";
}

/// <summary>Reading and checking <c>text/event-stream</c> bodies of Threadline's run streams.</summary>
internal static partial class Sse
{
    public const string Done = "event: done\ndata: [DONE]\n\n";

    /// <summary>
    /// Splits a whole body into frames, failing unless it is exactly a sequence of
    /// <c>event: &lt;name&gt;\ndata: &lt;one line&gt;\n\n</c> frames and nothing else.
    /// </summary>
    public static List<SseFrame> ParseStrict(string body)
    {
        var frames = new List<SseFrame>();
        var at = 0;
        while (at < body.Length)
        {
            var match = Frame().Match(body, at);
            if (!match.Success || match.Index != at)
                Assert.Fail($"Not an 'event: <name>\\ndata: <json>\\n\\n' frame at offset {at} (after {frames.Count} frames): " +
                    Escape(body.Substring(at, Math.Min(200, body.Length - at))));
            frames.Add(new SseFrame(match.Groups["event"].Value, match.Groups["data"].Value));
            at += match.Length;
        }
        return frames;
    }

    /// <summary>POSTs a JSON body and returns as soon as the headers are in, the body left to stream.</summary>
    public static async Task<HttpResponseMessage> PostStreamAsync(HttpClient http, string path, string json, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>POSTs with <c>stream: true</c> and reads the whole body (the stream ends with the run, or at requires_action).</summary>
    public static async Task<(HttpResponseMessage Response, string Body)> PostAndReadAllAsync(HttpClient http, string path, string json, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var response = await PostStreamAsync(http, path, json, cts.Token);
        var body = await response.Content.ReadAsStringAsync(cts.Token);
        return (response, body);
    }

    /// <summary>The frames of a streaming response as they arrive (lenient about anything but the two lines of a frame).</summary>
    public static async IAsyncEnumerable<SseFrame> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null || data is not null)
                    yield return new SseFrame(name ?? "", data ?? "");
                name = data = null;
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                data = line["data: ".Length..];
        }
    }

    /// <summary>The spec component schema of an event's data object.</summary>
    public static string SchemaOf(string eventName) => eventName switch
    {
        "thread.created" => "ThreadObject",
        "thread.message.delta" => "MessageDeltaObject",
        "thread.run.step.delta" => "RunStepDeltaObject",
        _ when eventName.StartsWith("thread.run.step.", StringComparison.Ordinal) => "RunStepObject",
        _ when eventName.StartsWith("thread.run.", StringComparison.Ordinal) => "RunObject",
        _ when eventName.StartsWith("thread.message.", StringComparison.Ordinal) => "MessageObject",
        _ => throw new Xunit.Sdk.XunitException($"Unexpected event '{eventName}'"),
    };

    /// <summary>
    /// Checks every frame but the last against the spec: its data against the schema of its object, and
    /// <c>{"event", "data"}</c> against <c>AssistantStreamEvent</c> (which ties each name to its object);
    /// the last must be <c>done</c> / <c>[DONE]</c>.
    /// </summary>
    public static void AssertFramesMatchSpec(IReadOnlyList<SseFrame> frames)
    {
        Assert.NotEmpty(frames);
        for (var i = 0; i < frames.Count - 1; i++)
        {
            var frame = frames[i];
            Assert.NotEqual("done", frame.Event);
            var data = frame.Json;
            SpecSchemas.AssertValid(SchemaOf(frame.Event), data);
            SpecSchemas.AssertValid("AssistantStreamEvent", new JsonObject { ["event"] = frame.Event, ["data"] = data.DeepClone() });
        }
        var last = frames[^1];
        Assert.Equal(("done", "[DONE]"), (last.Event, last.Data));
        SpecSchemas.AssertValid("AssistantStreamEvent", new JsonObject { ["event"] = "done", ["data"] = "[DONE]" });
    }

    /// <summary>
    /// Each run, step and message event carries its object in the status the name says
    /// (<c>thread.run.created</c>: queued; <c>.step.created</c> and <c>.message.created</c>: in_progress;
    /// otherwise the last part of the name).
    /// </summary>
    public static void AssertStatusesMatchNames(IEnumerable<SseFrame> frames)
    {
        foreach (var frame in frames)
        {
            if (frame.Event is "done" or "thread.created" || frame.Event.EndsWith(".delta", StringComparison.Ordinal))
                continue;
            var expected = frame.Event switch
            {
                "thread.run.created" => "queued",
                "thread.run.step.created" or "thread.message.created" => "in_progress",
                _ => frame.Event[(frame.Event.LastIndexOf('.') + 1)..],
            };
            Assert.True(expected == (string?)frame.Json["status"], $"{frame.Event} carries status '{frame.Json["status"]}', expected '{expected}': {frame}");
        }
    }

    /// <summary>
    /// Event for event against the spec's example (ids and timestamps aside): the frames paired in order (each
    /// of a run of deltas with the example's first delta of that run), each with the example's <c>object</c>,
    /// <c>status</c> and <c>type</c>, and at least the example's fields (those its schema declares).
    /// </summary>
    public static void AssertLikeExample(IReadOnlyList<SseFrame> frames, IReadOnlyList<SseFrame> example)
    {
        var ours = Group(frames);
        var theirs = Group(example);
        Assert.Equal(theirs.Select(g => g[0].Event), ours.Select(g => g[0].Event));
        for (var i = 0; i < ours.Count; i++)
        {
            var expectedFrame = theirs[i][0];
            if (expectedFrame.Event == "done")
            {
                Assert.Equal(expectedFrame.Data, ours[i][0].Data);
                continue;
            }
            var expected = expectedFrame.Json;
            // The example's fields that its object's schema declares (some examples carry fields the schema does not have).
            var declared = SpecSchemas.Document.GetSchema(SchemaOf(expectedFrame.Event))["properties"]!.AsObject();
            foreach (var frame in ours[i])
            {
                var actual = frame.Json;
                foreach (var (key, _) in expected)
                {
                    if (declared.ContainsKey(key))
                        Assert.True(actual.ContainsKey(key), $"frame {i} {frame.Event}: field '{key}' of the spec's example is missing: {frame}");
                }
                foreach (var key in new[] { "object", "status", "type" })
                {
                    if (expected[key] is JsonValue value)
                        Assert.True((string?)value == (string?)actual[key], $"frame {i} {frame.Event}: {key} '{actual[key]}', the spec's example has '{value}'");
                }
                if (expected["delta"] is JsonObject delta)
                {
                    foreach (var (key, _) in delta)
                        Assert.True(actual["delta"]?.AsObject().ContainsKey(key) == true, $"frame {i} {frame.Event}: delta field '{key}' of the spec's example is missing: {frame}");
                }
            }
        }
    }

    /// <summary>Frames in groups: each run of consecutive deltas of one kind together, every other frame alone.</summary>
    private static List<List<SseFrame>> Group(IEnumerable<SseFrame> frames)
    {
        var groups = new List<List<SseFrame>>();
        foreach (var frame in frames)
        {
            if (frame.Event.EndsWith(".delta", StringComparison.Ordinal) && groups.Count > 0 && groups[^1][0].Event == frame.Event)
                groups[^1].Add(frame);
            else
                groups.Add([frame]);
        }
        return groups;
    }

    /// <summary>
    /// The names in order, a run of consecutive deltas of one kind (<c>thread.message.delta</c>,
    /// <c>thread.run.step.delta</c>) written once as <c>thread.message.delta...</c>.
    /// </summary>
    public static List<string> CollapseDeltas(IEnumerable<string> names)
    {
        var collapsed = new List<string>();
        foreach (var name in names)
        {
            var isDelta = name.EndsWith(".delta", StringComparison.Ordinal);
            var label = isDelta ? name + "..." : name;
            if (isDelta && collapsed.Count > 0 && collapsed[^1] == label)
                continue;
            collapsed.Add(label);
        }
        return collapsed;
    }

    /// <summary>The text of every <c>thread.message.delta</c> frame, concatenated.</summary>
    public static string DeltaText(IEnumerable<SseFrame> frames) => string.Concat(frames
        .Where(f => f.Event == "thread.message.delta")
        .SelectMany(f => f.Json["delta"]!["content"]!.AsArray())
        .Select(part => (string?)part!["text"]?["value"] ?? ""));

    private static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    // A name of letters, dots and underscores; data on exactly one line; then an empty line.
    [GeneratedRegex(@"\Gevent: (?<event>[a-z_.]+)\ndata: (?<data>[^\n]*)\n\n", RegexOptions.CultureInvariant)]
    private static partial Regex Frame();
}
