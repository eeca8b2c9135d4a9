using Threadline.Api;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Queue;

namespace Threadline.Runs;

/// <summary>Validates the run settings of create run and create thread and run.</summary>
internal static class RunRequests
{
    public const long MaxDebounceMs = 600_000;
    public const long MaxMaxWaitMs = 3_600_000;

    public static RunSettings Read(RunSettingsRequest r)
    {
        var assistantId = Validate.Required(r.AssistantId, "assistant_id");
        Validate.MaxLength(r.Model, AssistantEndpoints.ModelMaxLength, "model");
        if (r.Model is not null)
            Validate.NonEmpty(r.Model, "model");
        Validate.MaxLength(r.Instructions, 256_000, "instructions");
        Validate.Tools(r.Tools, 20);
        Validate.Metadata(r.Metadata);
        Validate.Range(r.Temperature, 0, 2, "temperature");
        Validate.Range(r.TopP, 0, 1, "top_p");
        Validate.Range(r.MaxPromptTokens, 256, int.MaxValue, "max_prompt_tokens");
        Validate.Range(r.MaxCompletionTokens, 256, int.MaxValue, "max_completion_tokens");
        Validate.TruncationStrategy(r.TruncationStrategy);
        Validate.ToolChoice(r.ToolChoice);
        Validate.ResponseFormat(r.ResponseFormat);
        Validate.OneOf(r.ReasoningEffort, "reasoning_effort", "minimal", "low", "medium", "high");
        Validate.Range(r.DebounceMs, 0, MaxDebounceMs, "debounce_ms");
        Validate.Range(r.MaxWaitMs, 0, MaxMaxWaitMs, "max_wait_ms");
        return new RunSettings
        {
            AssistantId = assistantId,
            Model = r.Model,
            Instructions = r.Instructions,
            Tools = r.Tools is null ? null : RawJson.From(r.Tools),
            Metadata = RawJson.From(r.Metadata),
            Temperature = r.Temperature,
            TopP = r.TopP,
            MaxPromptTokens = r.MaxPromptTokens,
            MaxCompletionTokens = r.MaxCompletionTokens,
            TruncationStrategy = r.TruncationStrategy is null ? null : RawJson.From(r.TruncationStrategy),
            ToolChoice = r.ToolChoice is null ? null : RawJson.From(r.ToolChoice),
            ParallelToolCalls = r.ParallelToolCalls,
            ResponseFormat = r.ResponseFormat is null ? null : RawJson.From(r.ResponseFormat),
            ReasoningEffort = r.ReasoningEffort,
            DebounceMs = r.DebounceMs ?? 0,
            MaxWaitMs = r.MaxWaitMs,
            OnActive = OnActiveOf(r.OnActive),
        };
    }

    /// <summary><c>on_active</c>, validated: null when the request left it to the server.</summary>
    public static OnActive? OnActiveOf(string? onActive)
    {
        Validate.OneOf(onActive, "on_active", "queue", "reject", "interrupt");
        return onActive switch
        {
            "queue" => Queue.OnActive.Queue,
            "reject" => Queue.OnActive.Reject,
            "interrupt" => Queue.OnActive.Interrupt,
            _ => null,
        };
    }

    /// <summary>Tool outputs: each names its call; an output is at most 512 KiB.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ReadToolOutputs(ToolOutputsRequest request)
    {
        var outputs = Validate.Required(request.ToolOutputs, "tool_outputs");
        for (var i = 0; i < outputs.Count; i++)
        {
            var output = Validate.Item(outputs[i], $"tool_outputs[{i}]");
            Validate.Required(output.ToolCallId, $"tool_outputs[{i}].tool_call_id");
            Validate.MaxLength(output.Output, 512 * 1024, $"tool_outputs[{i}].output");
        }
        return outputs.Select(o => KeyValuePair.Create(o!.ToolCallId!, o.Output ?? "")).ToList();
    }
}
