using Threadline.Domain;
using Threadline.Messages;
using Threadline.Queue;
using Threadline.Threads;

namespace Threadline.Runs;

/// <summary>A run's settings as a request gave them, validated; null means "take the assistant's" (or the default).</summary>
internal sealed record RunSettings
{
    /// <summary>Empty for a response (<see cref="Response"/>): the Responses API has no assistants; the request carries every setting.</summary>
    public required string AssistantId { get; init; }
    public string? Model { get; init; }
    public string? Instructions { get; init; }
    public RawJson? Tools { get; init; }
    public RawJson Metadata { get; init; } = RawJson.EmptyObject;
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? MaxPromptTokens { get; init; }
    public long? MaxCompletionTokens { get; init; }
    public RawJson? TruncationStrategy { get; init; }
    public RawJson? ToolChoice { get; init; }
    public bool? ParallelToolCalls { get; init; }
    public RawJson? ResponseFormat { get; init; }
    public string? ReasoningEffort { get; init; }
    public long DebounceMs { get; init; }
    public long? MaxWaitMs { get; init; }

    /// <summary>Null: the server's default (<c>queue</c>, or <c>reject</c> in strict mode).</summary>
    public OnActive? OnActive { get; init; }

    /// <summary>A response's own fields (see <see cref="Run.Response"/>); null for an Assistants run.</summary>
    public RawJson Response { get; init; } = RawJson.Null;
}

/// <summary>Create run: on an existing thread, with messages added first.</summary>
internal sealed record CreateRun(RunSettings Settings, string? AdditionalInstructions, IReadOnlyList<NewMessage> AdditionalMessages);

/// <summary>Create thread and run: the thread made (or found by external id) in the same transaction.</summary>
internal sealed record CreateThreadAndRun(RunSettings Settings, NewThread Thread, RawJson? ToolResources);
