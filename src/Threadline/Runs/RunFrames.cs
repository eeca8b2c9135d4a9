using System.Text.Json;
using Threadline.Api;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.RunSteps;
using Threadline.Streaming;
using Threadline.Threads;

namespace Threadline.Runs;

/// <summary>One server-sent event of the Assistants API: its name and its JSON, serialized once.</summary>
internal readonly record struct SseFrame(string Event, byte[] Data);

/// <summary>
/// The Assistants API's projection of run events to <c>thread.*</c> stream frames, in the order of
/// the spec's examples. Each event is projected once and the frames are shared by every stream.
/// </summary>
internal static class RunFrames
{
    private static readonly RawJson EmptyToolCalls = RawJson.Trusted("""{"type":"tool_calls","tool_calls":[]}""");

    public static SseFrame[] Of(RunEvent e) =>
        (SseFrame[])(e.Projections[Surface.Assistants] ??= Project(e));

    private static SseFrame[] Project(RunEvent e) => e switch
    {
        ThreadCreated t => [Frame("thread.created", ThreadObject.From(t.Thread))],
        RunCreated r => [Frame("thread.run.created", RunObject.From(r.Run))],
        RunStatusChanged r => [Frame("thread.run." + r.Run.Status, RunObject.From(r.Run))],
        StepStarted s => Opened(s.Step),
        ToolCallsRequested s => [Frame("thread.run.step.delta", new RunStepDeltaObject(s.Step.Id, new RunStepDeltaBody(ToolCallJson.Delta(s.Step.StepDetails))))],
        StepEnded s => [Frame("thread.run.step." + s.Step.Status, RunStepObject.From(s.Step))],
        MessageStarted m =>
        [
            Frame("thread.message.created", MessageObject.From(m.Message)),
            Frame("thread.message.in_progress", MessageObject.From(m.Message)),
        ],
        TextAppended t => [Frame("thread.message.delta", new MessageDeltaObject(t.MessageId,
            new MessageDeltaBody([new TextDeltaPart(0, "text", new TextDeltaValue(t.Text, RawJson.EmptyArray))])))],
        MessageEnded m => [Frame("thread.message." + m.Message.Status, MessageObject.From(m.Message))],
        _ => [],
    };

    /// <summary>
    /// <c>thread.run.step.created</c> and <c>.in_progress</c>. A tool-call step opens with no calls: the
    /// calls follow in a step delta, which SDKs append to what they have (as the hosted stream did).
    /// </summary>
    private static SseFrame[] Opened(RunStep step)
    {
        // A step Threadline ran itself (file_search) is stored complete: it opens as any tool-call step.
        var opened = step.Type == RunStepType.ToolCalls
            ? step with { StepDetails = EmptyToolCalls, Status = RunStepStatus.InProgress, CompletedAt = null }
            : step;
        return [Frame("thread.run.step.created", RunStepObject.From(opened)), Frame("thread.run.step.in_progress", RunStepObject.From(opened))];
    }

    private static SseFrame Frame<T>(string name, T value) => new(name, JsonSerializer.SerializeToUtf8Bytes(value, WireJson.Info<T>()));
}
