using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Runs;

namespace Threadline.RunSteps;

/// <summary>The <c>thread.run.step</c> object on the wire.</summary>
internal sealed record RunStepObject(
    string Id, long CreatedAt, string AssistantId, string ThreadId, string RunId, string Type, string Status,
    RawJson StepDetails, RunError? LastError, long? ExpiredAt, long? CancelledAt, long? FailedAt, long? CompletedAt,
    RawJson Metadata, Usage? Usage)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.run.step";

    public static RunStepObject From(RunStep s) => new(
        s.Id, s.CreatedAt, s.AssistantId, s.ThreadId, s.RunId, s.Type, s.Status, s.StepDetails, s.LastError,
        s.ExpiredAt, s.CancelledAt, s.FailedAt, s.CompletedAt, s.Metadata, s.Usage);
}
