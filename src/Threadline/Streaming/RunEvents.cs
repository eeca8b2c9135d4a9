using System.Text.Json.Nodes;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;

namespace Threadline.Streaming;

/// <summary>Builds the wire events of runs, steps and messages from domain objects.</summary>
internal static class RunEvents
{
    public static RunEvent Run(Run run) => new(RunEventNames.ForRunStatus(run.Status), RunObject.From(run));

    public static RunEvent Run(string name, Run run) => new(name, RunObject.From(run));

    public static RunEvent Step(string name, RunStep step) => new(name, RunStepObject.From(step));

    /// <summary>
    /// <c>thread.run.step.created</c> or <c>.in_progress</c>. A tool-call step opens with no calls: the
    /// calls follow in step deltas, which SDKs append to what they have (as the hosted stream did).
    /// </summary>
    public static RunEvent StepOpened(string name, RunStep step) =>
        Step(name, step.Type == RunStepType.ToolCalls
            ? step with { StepDetails = new JsonObject { ["type"] = RunStepType.ToolCalls, ["tool_calls"] = new JsonArray() } }
            : step);

    /// <summary><c>thread.run.step.completed</c>, <c>.failed</c>, <c>.cancelled</c> or <c>.expired</c>, by the step's status.</summary>
    public static RunEvent StepEnded(RunStep step) => Step(RunEventNames.ForStepStatus(step.Status), step);

    public static RunEvent Message(string name, Message message) => new(name, MessageObject.From(message));

    /// <summary><c>thread.message.completed</c> or <c>.incomplete</c>.</summary>
    public static RunEvent MessageEnded(Message message) => Message(RunEventNames.ForMessageStatus(message.Status), message);

    public static RunEvent TextDelta(string messageId, string text) => new(RunEventNames.MessageDelta, MessageDeltaObject.Text(messageId, text));

    /// <summary>The tool calls of a step, as the step delta that announces them.</summary>
    public static RunEvent ToolCallsDelta(RunStep step)
    {
        var calls = new JsonArray();
        var index = 0;
        foreach (var call in step.StepDetails["tool_calls"]?.AsArray() ?? [])
        {
            var delta = (JsonObject)call!.DeepClone();
            delta.Insert(0, "index", index++);
            calls.Add(delta);
        }
        return new(RunEventNames.StepDelta, new RunStepDeltaObject(step.Id,
            new RunStepDeltaBody(new JsonObject { ["type"] = RunStepType.ToolCalls, ["tool_calls"] = calls })));
    }

    /// <summary>The events of an output begun: step created and in progress, message created and in progress.</summary>
    public static IEnumerable<RunEvent> OutputBegun(Storage.RunOutput output) =>
    [
        StepOpened(RunEventNames.StepCreated, output.Step),
        StepOpened(RunEventNames.StepInProgress, output.Step),
        Message(RunEventNames.MessageCreated, output.Message),
        Message(RunEventNames.MessageInProgress, output.Message),
    ];
}
