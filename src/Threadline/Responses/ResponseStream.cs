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
/// <c>output_text.done</c>, <c>content_part.done</c>, <c>output_item.done</c> (per function call item:
/// <c>output_item.added</c>, <c>function_call_arguments.delta</c> and <c>.done</c>, <c>output_item.done</c>), and the end
/// (<c>response.completed</c>, <c>.incomplete</c>, or <c>.failed</c>, which a cancelled response ends
/// with too: the stream has no event of its own for it). Unlike the Assistants frames, these are
/// made per stream: each carries the stream's own <c>sequence_number</c>, and the end the output it saw.
/// </summary>
/// <param name="made">The response as its create left it, or as stored when a stream is followed again.</param>
/// <param name="startingAfter">Events up to this <c>sequence_number</c> the client has seen already: they are left out.</param>
internal sealed class ResponseStream(Run made, int startingAfter = -1)
{
    private readonly List<Message> _output = [];
    private readonly Dictionary<string, int> _outputIndex = [];
    private int _sequence;

    /// <summary>
    /// Whether the stream says <c>response.queued</c>: a background response always does (it starts
    /// queued, as hosted), so that a stream followed again numbers its events as the first one did;
    /// any other, when its create left it waiting.
    /// </summary>
    private readonly bool _queuedFirst = made.Status == RunStatus.Queued || ResponseFields.Parse(made.Response).Background;

    /// <summary>The first events: the response as made, and whether it waits.</summary>
    public IEnumerable<RunEvent> Opening() => [new RunCreated(made)];

    public SseFrame[] Of(RunEvent e)
    {
        var frames = Project(e);
        var first = _sequence - frames.Length;
        return first > startingAfter ? frames : frames[Math.Min(frames.Length, startingAfter + 1 - first)..];
    }

    private SseFrame[] Project(RunEvent e) => e switch
    {
        RunCreated r => _queuedFirst
            ? [Lifecycle("response.created", Waiting(r.Run)), Lifecycle("response.queued", Waiting(r.Run))]
            : [Lifecycle("response.created", Waiting(r.Run))],
        RunStatusChanged { Run.Status: RunStatus.InProgress } r => [Lifecycle("response.in_progress", r.Run)],
        RunStatusChanged { Run.IsTerminal: true } r => [Lifecycle(EndOf(r.Run.Status), r.Run)],
        MessageStarted m => Opened(m.Message),
        TextAppended t => [Frame(new ResponseTextDeltaEvent("response.output_text.delta", t.MessageId, IndexOf(t.MessageId), 0, t.Text, RawJson.EmptyArray, _sequence++))],
        MessageEnded { Message.Role: MessageRole.FunctionCall } m => Called(m.Message),
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

    /// <summary>A function call item: stored whole when the response ends, so its arguments come as one delta.</summary>
    private SseFrame[] Called(Message m)
    {
        var index = IndexOf(m.Id);
        _output.Add(m);
        var (callId, name, arguments) = FunctionItems.Call(m.Content);
        return
        [
            Frame(new ResponseOutputItemEvent("response.output_item.added", index, new FunctionCallItem(m.Id, MessageStatus.InProgress, callId, name, ""), _sequence++)),
            Frame(new ResponseFunctionCallArgumentsEvent("response.function_call_arguments.delta", m.Id, index, arguments, null, null, _sequence++)),
            Frame(new ResponseFunctionCallArgumentsEvent("response.function_call_arguments.done", m.Id, index, null, name, arguments, _sequence++)),
            Frame(new ResponseOutputItemEvent("response.output_item.done", index, ConversationItems.Item(m), _sequence++)),
        ];
    }

    private static Run Waiting(Run run) => run with { Status = RunStatus.Queued, StartedAt = null, CompletedAt = null, Usage = null };

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
