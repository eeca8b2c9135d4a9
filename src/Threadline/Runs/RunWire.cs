using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Threads;

namespace Threadline.Runs;

/// <summary>
/// The <c>thread.run</c> object on the wire, with Threadline's queue fields: the run's place in
/// its thread's queue, its debounce settings, when it may start, (on create) whether the call
/// joined a run that was already waiting, and its timeline to the millisecond: made, last started,
/// ended, how many executions claimed it and which process holds (or last held) it.
/// </summary>
internal sealed record RunObject(
    string Id, long CreatedAt, string ThreadId, string AssistantId, string Status, RawJson RequiredAction,
    RunError? LastError, long? ExpiresAt, long? StartedAt, long? CancelledAt, long? FailedAt, long? CompletedAt,
    IncompleteDetails? IncompleteDetails, string Model, string Instructions, RawJson Tools,
    RawJson Metadata, Usage? Usage, double? Temperature, double? TopP,
    long? MaxPromptTokens, long? MaxCompletionTokens, RawJson TruncationStrategy, RawJson ToolChoice,
    bool ParallelToolCalls, RawJson ResponseFormat, string? ReasoningEffort,
    int? QueuePosition, long DebounceMs, long? MaxWaitMs, long? EligibleAtMs,
    long CreatedAtMs, long? StartedAtMs, long? EndedAtMs, int Attempt, string? LeaseOwner)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.run";

    /// <summary>On create: true when this call joined a waiting debounced run instead of making one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Joined { get; init; }

    public static RunObject From(Run r) => new(
        r.Id, r.CreatedAt, r.ThreadId, r.AssistantId, r.Status, r.RequiredAction, r.LastError, r.ExpiresAt,
        r.StartedAt, r.CancelledAt, r.FailedAt, r.CompletedAt,
        r.IncompleteReason is { } reason ? new IncompleteDetails(reason) : null,
        r.Model, r.Instructions ?? "", r.Tools, r.Metadata, r.Usage, r.Temperature ?? 1.0, r.TopP ?? 1.0,
        r.MaxPromptTokens, r.MaxCompletionTokens, r.TruncationStrategy, r.ToolChoice, r.ParallelToolCalls,
        r.ResponseFormat, r.ReasoningEffort,
        r.QueuePosition, r.DebounceMs, r.DebounceMs > 0 ? r.MaxWaitMs : null,
        r.Status == RunStatus.Queued ? r.EligibleAtMs : null,
        r.CreatedAtMs, r.StartedAtMs, r.EndedAtMs, r.Attempt, r.LeaseOwner);
}

/// <summary>The run settings shared by create run and create thread and run, plus Threadline's extensions.</summary>
internal abstract class RunSettingsRequest
{
    public string? AssistantId { get; init; }
    public string? Model { get; init; }
    public string? Instructions { get; init; }
    public JsonArray? Tools { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public bool? Stream { get; init; }
    public long? MaxPromptTokens { get; init; }
    public long? MaxCompletionTokens { get; init; }
    public JsonNode? TruncationStrategy { get; init; }
    public JsonNode? ToolChoice { get; init; }
    public bool? ParallelToolCalls { get; init; }
    public JsonNode? ResponseFormat { get; init; }
    public string? ReasoningEffort { get; init; }

    // :: Threadline extensions
    public long? DebounceMs { get; init; }
    public long? MaxWaitMs { get; init; }
    public string? OnActive { get; init; }
}

internal sealed class RunRequest : RunSettingsRequest
{
    public string? AdditionalInstructions { get; init; }
    public List<MessageRequest?>? AdditionalMessages { get; init; }
}

internal sealed class ThreadAndRunRequest : RunSettingsRequest
{
    public ThreadRequest? Thread { get; init; }
    public JsonObject? ToolResources { get; init; }
}

internal sealed class ToolOutputsRequest
{
    public List<ToolOutput?>? ToolOutputs { get; init; }
    public bool? Stream { get; init; }
}

internal sealed class ToolOutput
{
    public string? ToolCallId { get; init; }
    public string? Output { get; init; }
}

/// <summary><c>thread.message.delta</c>: a piece of text appended to a message's first content part.</summary>
internal sealed record MessageDeltaObject(string Id, MessageDeltaBody Delta)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.message.delta";
}

internal sealed record MessageDeltaBody(IReadOnlyList<TextDeltaPart> Content);

internal sealed record TextDeltaPart(int Index, string Type, TextDeltaValue Text);

internal sealed record TextDeltaValue(string Value, RawJson Annotations);

/// <summary><c>thread.run.step.delta</c>: tool calls as they are known.</summary>
internal sealed record RunStepDeltaObject(string Id, RunStepDeltaBody Delta)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.run.step.delta";
}

internal sealed record RunStepDeltaBody(RawJson StepDetails);
