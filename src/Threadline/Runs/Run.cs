using Threadline.Domain;

namespace Threadline.Runs;

/// <summary>
/// A run of an assistant on a thread. The settings are copied from the assistant when the run
/// is made; the queue fields say when it may start and which execution holds it.
/// </summary>
internal sealed record Run
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required string ThreadId { get; init; }
    public required string AssistantId { get; init; }
    public required string Status { get; init; }
    public required long CreatedAt { get; init; }
    public long? StartedAt { get; init; }
    public long? ExpiresAt { get; init; }
    public long? CancelledAt { get; init; }
    public long? FailedAt { get; init; }
    public long? CompletedAt { get; init; }
    public RawJson RequiredAction { get; init; } = RawJson.Null;
    public RunError? LastError { get; init; }
    public string? IncompleteReason { get; init; }
    public required string Model { get; init; }
    public string? Instructions { get; init; }
    public string? AdditionalInstructions { get; init; }
    public required RawJson Tools { get; init; }
    public required RawJson Metadata { get; init; }
    public Usage? Usage { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? MaxPromptTokens { get; init; }
    public long? MaxCompletionTokens { get; init; }
    public required RawJson TruncationStrategy { get; init; }
    public required RawJson ToolChoice { get; init; }
    public bool ParallelToolCalls { get; init; } = true;
    public required RawJson ResponseFormat { get; init; }
    public string? ReasoningEffort { get; init; }

    /// <summary>
    /// For a run made through the Responses API, what only that API shows (<c>Responses.ResponseFields</c>);
    /// null for an Assistants run. The lifecycle carries it and never reads it.
    /// </summary>
    public RawJson Response { get; init; } = RawJson.Null;

    // :: The queue

    /// <summary>Quiet period: the run waits until no user message has arrived for this long.</summary>
    public long DebounceMs { get; init; }

    /// <summary>Upper bound on the debounce wait, counted from <see cref="CreatedAtMs"/>.</summary>
    public long MaxWaitMs { get; init; }

    public required long CreatedAtMs { get; init; }

    /// <summary>The earliest instant (unix ms) the run may start.</summary>
    public required long EligibleAtMs { get; init; }

    /// <summary>
    /// How many times an execution claimed the run (a run resumed after tool outputs is claimed
    /// again). It is the fencing token: every write of an execution names the attempt it holds, and
    /// changes nothing once another claim superseded it.
    /// </summary>
    public int Attempt { get; init; }

    /// <summary>The process that holds the run's lease, while one does.</summary>
    public string? LeaseOwner { get; init; }

    public long? LeaseExpiresAtMs { get; init; }

    public long? StartedAtMs { get; init; }

    public long? EndedAtMs { get; init; }

    /// <summary>When the model's first token of the run's last execution arrived (unix ms); null until one did.</summary>
    public long? FirstTokenAtMs { get; init; }

    /// <summary>The thread position the run saw when it first started (I4); null until then.</summary>
    public long? ContextPosition { get; init; }

    /// <summary>On a claim: when the thread's previous run ended (unix ms), to measure the handoff.</summary>
    public long? PreviousEndedAtMs { get; init; }

    /// <summary>How many runs of the thread start or run before this one; null unless queued.</summary>
    public int? QueuePosition { get; init; }

    public bool IsTerminal => RunStatus.IsTerminal(Status);
}

internal sealed record RunError(string Code, string Message);

internal sealed record Usage(long PromptTokens, long CompletionTokens, long TotalTokens)
{
    public static Usage Of(long prompt, long completion) => new(prompt, completion, prompt + completion);
    public Usage Add(Usage other) => Of(PromptTokens + other.PromptTokens, CompletionTokens + other.CompletionTokens);
}

internal static class RunStatus
{
    public const string Queued = "queued";
    public const string InProgress = "in_progress";
    public const string RequiresAction = "requires_action";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
    public const string Completed = "completed";
    public const string Incomplete = "incomplete";
    public const string Expired = "expired";

    public static bool IsActive(string status) => status is InProgress or RequiresAction or Cancelling;
    public static bool IsTerminal(string status) => status is Cancelled or Failed or Completed or Incomplete or Expired;
}
