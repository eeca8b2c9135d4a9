using System.Data.Common;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Storage;

/// <summary>
/// Maps result rows to domain records by position. Every dialect selects the columns in the order
/// of the <c>*Columns</c> lists (the schema's names are part of the storage contract), so the
/// mapping is written once. JSON columns come back as <see cref="RawJson"/>, unparsed.
/// </summary>
internal static partial class Rows
{
    public const string AssistantColumns =
        "x.id, x.project_id, x.created_at, x.name, x.description, x.model, x.instructions, x.tools, x.tool_resources, x.metadata, " +
        "x.temperature, x.top_p, x.response_format, x.reasoning_effort";

    public static Assistant Assistant(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        CreatedAt = r.GetInt64(2),
        Name = r.Str(3),
        Description = r.Str(4),
        Model = r.GetString(5),
        Instructions = r.Str(6),
        Tools = r.Json(7),
        ToolResources = r.Json(8),
        Metadata = r.Json(9),
        Temperature = r.Double(10),
        TopP = r.Double(11),
        ResponseFormat = r.Json(12),
        ReasoningEffort = r.Str(13),
    };

    public const string ThreadColumns =
        "x.id, x.project_id, x.created_at, x.external_id, x.tool_resources, x.metadata, x.active_run_id, x.queued_runs";

    public static ConversationThread Thread(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        CreatedAt = r.GetInt64(2),
        ExternalId = r.Str(3),
        ToolResources = r.Json(4),
        Metadata = r.Json(5),
        ActiveRunId = r.Str(6),
        QueuedRunCount = (int)r.GetInt64(7),
    };

    public const string MessageColumns =
        "x.id, x.project_id, x.thread_id, x.position, x.created_at, x.status, x.incomplete_reason, x.completed_at, " +
        "x.incomplete_at, x.role, x.content, x.assistant_id, x.run_id, x.attachments, x.metadata";

    public static Message Message(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        ThreadId = r.GetString(2),
        Position = r.GetInt64(3),
        CreatedAt = r.GetInt64(4),
        Status = r.GetString(5),
        IncompleteReason = r.Str(6),
        CompletedAt = r.Long(7),
        IncompleteAt = r.Long(8),
        Role = r.GetString(9),
        Content = r.Json(10),
        AssistantId = r.Str(11),
        RunId = r.Str(12),
        Attachments = r.IsDBNull(13) ? RawJson.EmptyArray : r.Json(13),
        Metadata = r.Json(14),
    };

    /// <summary>
    /// The run's columns; a query adds <c>queue_position</c> and <c>previous_ended_at_ms</c> (or NULLs) after them.
    /// <c>first_token_at_ms</c> came later than the rest and stands last, so that no earlier ordinal moved.
    /// </summary>
    public const string RunColumns =
        "x.id, x.project_id, x.thread_id, x.assistant_id, x.status, x.created_at, x.started_at, x.expires_at, x.cancelled_at, " +
        "x.failed_at, x.completed_at, x.required_action, x.last_error_code, x.last_error_message, x.incomplete_reason, x.model, " +
        "x.instructions, x.additional_instructions, x.tools, x.metadata, x.prompt_tokens, x.completion_tokens, x.temperature, " +
        "x.top_p, x.max_prompt_tokens, x.max_completion_tokens, x.truncation_strategy, x.tool_choice, x.parallel_tool_calls, " +
        "x.response_format, x.reasoning_effort, x.debounce_ms, x.max_wait_ms, x.created_at_ms, x.eligible_at_ms, x.attempt, " +
        "x.lease_owner, x.lease_expires_at_ms, x.started_at_ms, x.ended_at_ms, x.context_position, x.response, " +
        "x.first_token_at_ms";

    public static Run Run(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        ThreadId = r.GetString(2),
        AssistantId = r.GetString(3),
        Status = r.GetString(4),
        CreatedAt = r.GetInt64(5),
        StartedAt = r.Long(6),
        ExpiresAt = r.Long(7),
        CancelledAt = r.Long(8),
        FailedAt = r.Long(9),
        CompletedAt = r.Long(10),
        RequiredAction = r.Json(11),
        LastError = r.Str(12) is { } code ? new RunError(code, r.Str(13) ?? "") : null,
        IncompleteReason = r.Str(14),
        Model = r.GetString(15),
        Instructions = r.Str(16),
        AdditionalInstructions = r.Str(17),
        Tools = r.Json(18),
        Metadata = r.Json(19),
        Usage = r.Long(20) is { } prompt ? Usage.Of(prompt, r.Long(21) ?? 0) : null,
        Temperature = r.Double(22),
        TopP = r.Double(23),
        MaxPromptTokens = r.Long(24),
        MaxCompletionTokens = r.Long(25),
        TruncationStrategy = r.Json(26),
        ToolChoice = r.Json(27),
        ParallelToolCalls = r.GetInt64(28) != 0,
        ResponseFormat = r.Json(29),
        ReasoningEffort = r.Str(30),
        DebounceMs = r.GetInt64(31),
        MaxWaitMs = r.GetInt64(32),
        CreatedAtMs = r.GetInt64(33),
        EligibleAtMs = r.GetInt64(34),
        Attempt = (int)r.GetInt64(35),
        LeaseOwner = r.Str(36),
        LeaseExpiresAtMs = r.Long(37),
        StartedAtMs = r.Long(38),
        EndedAtMs = r.Long(39),
        ContextPosition = r.Long(40),
        Response = r.Json(41),
        FirstTokenAtMs = r.Long(42),
        QueuePosition = r.FieldCount > 43 && r.Long(43) is { } p ? (int)p : null,
        PreviousEndedAtMs = r.FieldCount > 44 ? r.Long(44) : null,
    };

    public const string RunStepColumns =
        "x.id, x.project_id, x.thread_id, x.run_id, x.assistant_id, x.type, x.status, x.step_details, x.last_error_code, " +
        "x.last_error_message, x.created_at, x.expired_at, x.cancelled_at, x.failed_at, x.completed_at, x.metadata, " +
        "x.prompt_tokens, x.completion_tokens";

    public static RunStep RunStep(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        ThreadId = r.GetString(2),
        RunId = r.GetString(3),
        AssistantId = r.GetString(4),
        Type = r.GetString(5),
        Status = r.GetString(6),
        StepDetails = r.Json(7),
        LastError = r.Str(8) is { } code ? new RunError(code, r.Str(9) ?? "") : null,
        CreatedAt = r.GetInt64(10),
        ExpiredAt = r.Long(11),
        CancelledAt = r.Long(12),
        FailedAt = r.Long(13),
        CompletedAt = r.Long(14),
        Metadata = r.Json(15),
        Usage = r.Long(16) is { } prompt ? Usage.Of(prompt, r.Long(17) ?? 0) : null,
    };

    public const string EndpointColumns =
        "x.id, x.project_id, x.created_at, x.url, x.description, x.events, x.secret, x.previous_secret, " +
        "x.previous_secret_expires_at_ms, x.enabled, x.disabled_reason, x.metadata, x.config_name";

    public static WebhookEndpoint Endpoint(DbDataReader r, int at = 0) => new()
    {
        Id = r.GetString(at),
        ProjectId = r.GetString(at + 1),
        CreatedAt = r.GetInt64(at + 2),
        Url = r.GetString(at + 3),
        Description = r.Str(at + 4),
        Events = System.Text.Json.JsonSerializer.Deserialize(r.GetString(at + 5), WireEscaping.Context.ListString) ?? [],
        Secret = r.GetString(at + 6),
        PreviousSecret = r.Str(at + 7),
        PreviousSecretExpiresAtMs = r.Long(at + 8),
        Enabled = r.GetInt64(at + 9) != 0,
        DisabledReason = r.Str(at + 10),
        Metadata = r.Json(at + 11),
        ConfigName = r.Str(at + 12),
    };

    /// <summary>A delivery with its event's type and payload (joined as <c>ev</c>).</summary>
    public const string DeliveryColumns =
        "x.id, x.event_id, ev.type, x.endpoint_id, x.thread_id, x.status, x.attempts, x.next_attempt_at_ms, " +
        "x.last_attempt_at_ms, x.last_status_code, x.last_error, x.created_at_ms, x.delivered_at_ms, ev.payload";

    public const int DeliveryColumnCount = 14;

    public static WebhookDelivery Delivery(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        EventId = r.GetString(1),
        EventType = r.GetString(2),
        EndpointId = r.GetString(3),
        ThreadId = r.Str(4),
        Status = r.GetString(5),
        Attempts = (int)r.GetInt64(6),
        NextAttemptAtMs = r.GetInt64(7),
        LastAttemptAtMs = r.Long(8),
        LastStatusCode = r.Long(9) is { } code ? (int)code : null,
        LastError = r.Str(10),
        CreatedAtMs = r.GetInt64(11),
        DeliveredAtMs = r.Long(12),
        Payload = (byte[])r.GetValue(13),
    };

    private static string? Str(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static double? Double(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static RawJson Json(this DbDataReader r, int i) => r.IsDBNull(i) ? RawJson.Null : RawJson.Trusted(r.GetString(i));
}
