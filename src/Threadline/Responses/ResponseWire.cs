using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Conversations;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Responses;

/// <summary>
/// The <c>response</c> object: a run, as the Responses API shows it, with its reply as output items.
/// <c>usage</c> is left out until there is some (the spec has it as an object, never null).
/// </summary>
internal sealed record ResponseObject(
    string Id, long CreatedAt, string Status, long? CompletedAt, ResponseErrorBody? Error, ResponseIncomplete? IncompleteDetails,
    string? Instructions, long? MaxOutputTokens, string Model, IReadOnlyList<ConversationItem> Output, bool ParallelToolCalls,
    string? PreviousResponseId, RawJson Reasoning, bool Store, double? Temperature, RawJson Text, RawJson ToolChoice, RawJson Tools,
    double? TopP, string Truncation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ResponseUsage? Usage, RawJson Metadata, bool Background, ResponseConversationRef? Conversation)
{
    [JsonPropertyOrder(-1)] public string Object => "response";

    /// <summary>On create: true when this call joined a waiting debounced response instead of making one (as on runs).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Joined { get; init; }

    public static ResponseObject From(Run run, IReadOnlyList<Message> output)
    {
        var fields = ResponseFields.Parse(run.Response);
        return new ResponseObject(
            run.Id, run.CreatedAt, StatusOf(run.Status), run.CompletedAt,
            run.LastError is { } e ? new ResponseErrorBody(ErrorCode(e.Code), e.Message) : null,
            run.Status == RunStatus.Incomplete ? new ResponseIncomplete(run.IncompleteReason == "max_completion_tokens" ? "max_output_tokens" : "content_filter") : null,
            run.Instructions, run.MaxCompletionTokens, run.Model, output.Select(ConversationItems.Item).ToList(), run.ParallelToolCalls,
            fields.PreviousResponseId, RawJson.Null, fields.Store, run.Temperature, fields.Text, fields.ToolChoice, fields.Tools,
            run.TopP, "disabled", run.Usage is { } u ? ResponseUsage.Of(u) : null, run.Metadata, fields.Background,
            fields.Conversation is { } c ? new ResponseConversationRef(c) : null);
    }

    /// <summary>A run's status in the Responses API's words: it has no <c>requires_action</c>, <c>cancelling</c> or <c>expired</c>.</summary>
    public static string StatusOf(string runStatus) => runStatus switch
    {
        RunStatus.RequiresAction or RunStatus.Cancelling => "in_progress",
        RunStatus.Expired => "failed",
        _ => runStatus,
    };

    private static string ErrorCode(string runCode) => runCode is "rate_limit_exceeded" or "invalid_prompt" ? runCode : "server_error";
}

internal sealed record ResponseErrorBody(string Code, string Message);

internal sealed record ResponseIncomplete(string Reason);

internal sealed record ResponseConversationRef(string Id);

internal sealed record ResponseUsage(long InputTokens, ResponseInputTokenDetails InputTokensDetails, long OutputTokens,
    ResponseOutputTokenDetails OutputTokensDetails, long TotalTokens)
{
    public static ResponseUsage Of(Usage u) => new(u.PromptTokens, new(0, 0), u.CompletionTokens, new(0), u.TotalTokens);
}

internal sealed record ResponseInputTokenDetails(long CachedTokens, long CacheWriteTokens);

internal sealed record ResponseOutputTokenDetails(long ReasoningTokens);

/// <summary>Body of create response. Fields the hosted API takes that change nothing here are accepted and ignored.</summary>
internal sealed class ResponseRequest
{
    public string? Model { get; init; }
    public JsonNode? Input { get; init; }
    public string? Instructions { get; init; }
    public JsonNode? Conversation { get; init; }
    public string? PreviousResponseId { get; init; }
    public JsonArray? Tools { get; init; }
    public JsonNode? ToolChoice { get; init; }
    public bool? ParallelToolCalls { get; init; }
    public JsonObject? Text { get; init; }
    public long? MaxOutputTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public bool? Store { get; init; }
    public bool? Stream { get; init; }
    public bool? Background { get; init; }
    // Threadline's extensions, as on runs.
    public long? DebounceMs { get; init; }
    public long? MaxWaitMs { get; init; }
    public string? OnActive { get; init; }
    // Accepted, no effect here.
    public JsonNode? Include { get; init; }
    public JsonNode? Reasoning { get; init; }
    public JsonNode? Truncation { get; init; }
    public string? User { get; init; }
    public string? ServiceTier { get; init; }
    public string? PromptCacheKey { get; init; }
    public string? SafetyIdentifier { get; init; }
}
