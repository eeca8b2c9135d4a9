using System.Data.Common;
using Threadline.Assistants;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Threads;

namespace Threadline.Storage;

/// <summary>
/// Maps result rows to domain records by column name. Shared by every dialect: the column names
/// are part of the storage contract.
/// </summary>
internal static class Rows
{
    public static Assistant Assistant(DbDataReader r) => new()
    {
        Id = r.Str("id"),
        ProjectId = r.Str("project_id"),
        CreatedAt = r.Long("created_at"),
        Name = r.StrOrNull("name"),
        Description = r.StrOrNull("description"),
        Model = r.Str("model"),
        Instructions = r.StrOrNull("instructions"),
        Tools = JsonColumns.ReadArray(r.StrOrNull("tools")),
        ToolResources = JsonColumns.ReadObject(r.StrOrNull("tool_resources")),
        Metadata = JsonColumns.ReadMetadata(r.StrOrNull("metadata")),
        Temperature = r.DoubleOrNull("temperature"),
        TopP = r.DoubleOrNull("top_p"),
        ResponseFormat = JsonColumns.ReadNode(r.StrOrNull("response_format")),
        ReasoningEffort = r.StrOrNull("reasoning_effort"),
    };

    public static ConversationThread Thread(DbDataReader r) => new()
    {
        Id = r.Str("id"),
        ProjectId = r.Str("project_id"),
        CreatedAt = r.Long("created_at"),
        ExternalId = r.StrOrNull("external_id"),
        ToolResources = JsonColumns.ReadObject(r.StrOrNull("tool_resources")),
        Metadata = JsonColumns.ReadMetadata(r.StrOrNull("metadata")),
        ActiveRunId = r.StrOrNull("active_run_id"),
        QueuedRunCount = (int)(r.LongOrNull("queued_run_count") ?? 0),
    };

    public static Message Message(DbDataReader r) => new()
    {
        Id = r.Str("id"),
        ProjectId = r.Str("project_id"),
        ThreadId = r.Str("thread_id"),
        Position = r.Long("position"),
        CreatedAt = r.Long("created_at"),
        Status = r.Str("status"),
        IncompleteReason = r.StrOrNull("incomplete_reason"),
        CompletedAt = r.LongOrNull("completed_at"),
        IncompleteAt = r.LongOrNull("incomplete_at"),
        Role = r.Str("role"),
        Content = JsonColumns.ReadArray(r.Str("content")),
        AssistantId = r.StrOrNull("assistant_id"),
        RunId = r.StrOrNull("run_id"),
        Attachments = r.StrOrNull("attachments") is { } a ? JsonColumns.ReadArray(a) : null,
        Metadata = JsonColumns.ReadMetadata(r.StrOrNull("metadata")),
    };

    public static Run Run(DbDataReader r) => new()
    {
        Id = r.Str("id"),
        ProjectId = r.Str("project_id"),
        ThreadId = r.Str("thread_id"),
        AssistantId = r.Str("assistant_id"),
        Status = r.Str("status"),
        CreatedAt = r.Long("created_at"),
        StartedAt = r.LongOrNull("started_at"),
        ExpiresAt = r.LongOrNull("expires_at"),
        CancelledAt = r.LongOrNull("cancelled_at"),
        FailedAt = r.LongOrNull("failed_at"),
        CompletedAt = r.LongOrNull("completed_at"),
        RequiredAction = JsonColumns.ReadObject(r.StrOrNull("required_action")),
        LastError = Error(r),
        IncompleteReason = r.StrOrNull("incomplete_reason"),
        Model = r.Str("model"),
        Instructions = r.StrOrNull("instructions"),
        AdditionalInstructions = r.StrOrNull("additional_instructions"),
        Tools = JsonColumns.ReadArray(r.Str("tools")),
        Metadata = JsonColumns.ReadMetadata(r.StrOrNull("metadata")),
        Usage = Usage(r),
        Temperature = r.DoubleOrNull("temperature"),
        TopP = r.DoubleOrNull("top_p"),
        MaxPromptTokens = r.LongOrNull("max_prompt_tokens"),
        MaxCompletionTokens = r.LongOrNull("max_completion_tokens"),
        TruncationStrategy = JsonColumns.ReadObject(r.Str("truncation_strategy"))!,
        ToolChoice = JsonColumns.ReadNode(r.Str("tool_choice"))!,
        ParallelToolCalls = r.Long("parallel_tool_calls") != 0,
        ResponseFormat = JsonColumns.ReadNode(r.Str("response_format"))!,
        ReasoningEffort = r.StrOrNull("reasoning_effort"),
        DebounceMs = r.Long("debounce_ms"),
        MaxWaitMs = r.Long("max_wait_ms"),
        CreatedAtMs = r.Long("created_at_ms"),
        EligibleAtMs = r.Long("eligible_at_ms"),
        Attempt = (int)r.Long("attempt"),
        ContextPosition = r.LongOrNull("context_position"),
        QueuePosition = r.LongOrNull("queue_position") is { } p ? (int)p : null,
        PreviousEndedAtMs = r.HasColumn("previous_ended_at_ms") ? r.LongOrNull("previous_ended_at_ms") : null,
    };

    public static RunStep RunStep(DbDataReader r) => new()
    {
        Id = r.Str("id"),
        ProjectId = r.Str("project_id"),
        ThreadId = r.Str("thread_id"),
        RunId = r.Str("run_id"),
        AssistantId = r.Str("assistant_id"),
        Type = r.Str("type"),
        Status = r.Str("status"),
        StepDetails = JsonColumns.ReadObject(r.Str("step_details"))!,
        LastError = Error(r),
        CreatedAt = r.Long("created_at"),
        ExpiredAt = r.LongOrNull("expired_at"),
        CancelledAt = r.LongOrNull("cancelled_at"),
        FailedAt = r.LongOrNull("failed_at"),
        CompletedAt = r.LongOrNull("completed_at"),
        Metadata = JsonColumns.ReadMetadata(r.StrOrNull("metadata")),
        Usage = Usage(r),
    };

    private static RunError? Error(DbDataReader r) =>
        r.StrOrNull("last_error_code") is { } code ? new RunError(code, r.StrOrNull("last_error_message") ?? "") : null;

    private static Usage? Usage(DbDataReader r) =>
        r.LongOrNull("prompt_tokens") is { } prompt ? Runs.Usage.Of(prompt, r.LongOrNull("completion_tokens") ?? 0) : null;

    private static bool HasColumn(this DbDataReader r, string column)
    {
        for (var i = 0; i < r.FieldCount; i++)
            if (r.GetName(i) == column)
                return true;
        return false;
    }

    private static string Str(this DbDataReader r, string column) => r.GetString(r.GetOrdinal(column));

    private static string? StrOrNull(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    private static long Long(this DbDataReader r, string column) => r.GetInt64(r.GetOrdinal(column));

    private static long? LongOrNull(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetInt64(i);
    }

    private static double? DoubleOrNull(this DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetDouble(i);
    }
}

internal static class WebhookRows
{
    public static Webhooks.WebhookEndpoint Endpoint(DbDataReader r) => new()
    {
        Id = r.GetString(r.GetOrdinal("id")),
        ProjectId = r.GetString(r.GetOrdinal("project_id")),
        CreatedAt = r.GetInt64(r.GetOrdinal("created_at")),
        Url = r.GetString(r.GetOrdinal("url")),
        Description = Nullable(r, "description"),
        Events = System.Text.Json.JsonSerializer.Deserialize<List<string>>(r.GetString(r.GetOrdinal("events"))) ?? [],
        Secret = r.GetString(r.GetOrdinal("secret")),
        PreviousSecret = Nullable(r, "previous_secret"),
        PreviousSecretExpiresAtMs = r.IsDBNull(r.GetOrdinal("previous_secret_expires_at_ms")) ? null : r.GetInt64(r.GetOrdinal("previous_secret_expires_at_ms")),
        Enabled = r.GetInt64(r.GetOrdinal("enabled")) != 0,
        DisabledReason = Nullable(r, "disabled_reason"),
        Metadata = JsonColumns.ReadMetadata(Nullable(r, "metadata")),
        ConfigName = Nullable(r, "config_name"),
    };

    public static Webhooks.WebhookDelivery Delivery(DbDataReader r) => new()
    {
        Id = r.GetString(r.GetOrdinal("id")),
        EventId = r.GetString(r.GetOrdinal("event_id")),
        EventType = r.GetString(r.GetOrdinal("event_type")),
        EndpointId = r.GetString(r.GetOrdinal("endpoint_id")),
        ThreadId = Nullable(r, "thread_id"),
        Status = r.GetString(r.GetOrdinal("status")),
        Attempts = r.GetInt32(r.GetOrdinal("attempts")),
        NextAttemptAtMs = r.GetInt64(r.GetOrdinal("next_attempt_at_ms")),
        LastAttemptAtMs = r.IsDBNull(r.GetOrdinal("last_attempt_at_ms")) ? null : r.GetInt64(r.GetOrdinal("last_attempt_at_ms")),
        LastStatusCode = r.IsDBNull(r.GetOrdinal("last_status_code")) ? null : r.GetInt32(r.GetOrdinal("last_status_code")),
        LastError = Nullable(r, "last_error"),
        CreatedAtMs = r.GetInt64(r.GetOrdinal("created_at_ms")),
        DeliveredAtMs = r.IsDBNull(r.GetOrdinal("delivered_at_ms")) ? null : r.GetInt64(r.GetOrdinal("delivered_at_ms")),
        Payload = (byte[])r.GetValue(r.GetOrdinal("payload")),
    };

    private static string? Nullable(DbDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }
}
