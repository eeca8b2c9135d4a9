using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Conversations;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Streaming;

namespace Threadline.Responses;

/// <summary>
/// The Responses API's projection of one stream's run events, in the spec's order: <c>response.created</c>,
/// <c>response.queued</c> while it waits its turn, <c>response.in_progress</c>, then per reply message
/// <c>output_item.added</c>, <c>content_part.added</c>, every <c>output_text.delta</c>,
/// <c>output_text.done</c>, <c>content_part.done</c>, <c>output_item.done</c>, and the end
/// (<c>response.completed</c>, <c>.incomplete</c>, or <c>.failed</c>, which a cancelled response ends
/// with too: the stream has no event of its own for it). Unlike the Assistants frames, these are
/// made per stream: each carries the stream's own <c>sequence_number</c>, and the end the output it saw.
/// </summary>
internal sealed class ResponseStream(Run made)
{
    private readonly List<Message> _output = [];
    private readonly Dictionary<string, int> _outputIndex = [];
    private int _sequence;

    /// <summary>The first events: the response as made, and whether it waits.</summary>
    public IEnumerable<RunEvent> Opening() => [new RunCreated(made)];

    public SseFrame[] Of(RunEvent e) => e switch
    {
        RunCreated r => made.Status == RunStatus.Queued
            ? [Lifecycle("response.created", r.Run), Lifecycle("response.queued", r.Run)]
            : [Lifecycle("response.created", r.Run with { Status = RunStatus.Queued, StartedAt = null })],
        RunStatusChanged { Run.Status: RunStatus.InProgress } r => [Lifecycle("response.in_progress", r.Run)],
        RunStatusChanged { Run.IsTerminal: true } r => [Lifecycle(EndOf(r.Run.Status), r.Run)],
        MessageStarted m => Opened(m.Message),
        TextAppended t => [Frame(new ResponseTextDeltaEvent("response.output_text.delta", t.MessageId, IndexOf(t.MessageId), 0, t.Text, RawJson.EmptyArray, _sequence++))],
        MessageEnded m => Closed(m.Message),
        _ => [],
    };

    private SseFrame[] Opened(Message m)
    {
        var index = IndexOf(m.Id);
        return
        [
            Frame(new ResponseOutputItemEvent("response.output_item.added", index, new ConversationMessageItem(m.Id, MessageStatus.InProgress, m.Role, RawJson.EmptyArray), _sequence++)),
            Frame(new ResponseContentPartEvent("response.content_part.added", m.Id, index, 0, OutputText(""), _sequence++)),
        ];
    }

    private SseFrame[] Closed(Message m)
    {
        var index = IndexOf(m.Id);
        _output.Add(m);
        var text = MessageContent.TextOf(m.Content);
        return
        [
            Frame(new ResponseTextDoneEvent("response.output_text.done", m.Id, index, 0, text, RawJson.EmptyArray, _sequence++)),
            Frame(new ResponseContentPartEvent("response.content_part.done", m.Id, index, 0, OutputText(text), _sequence++)),
            Frame(new ResponseOutputItemEvent("response.output_item.done", index, ConversationItems.Item(m), _sequence++)),
        ];
    }

    private int IndexOf(string messageId)
    {
        if (!_outputIndex.TryGetValue(messageId, out var index))
            _outputIndex[messageId] = index = _outputIndex.Count;
        return index;
    }

    private SseFrame Lifecycle(string type, Run run) => Frame(new ResponseLifecycleEvent(type, ResponseObject.From(run, _output), _sequence++));

    private static string EndOf(string status) => status switch
    {
        RunStatus.Completed => "response.completed",
        RunStatus.Incomplete => "response.incomplete",
        _ => "response.failed",
    };

    private static RawJson OutputText(string text) =>
        RawJson.From(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() });

    private static SseFrame Frame<T>(T value) where T : IResponseStreamEvent =>
        new(value.Type, JsonSerializer.SerializeToUtf8Bytes(value, WireJson.Info<T>()));
}
