using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Dashboard;

// The dashboard's JSON (docs/dashboard.md): its own shapes, not the API's objects, since the operator
// sees what the API never shows (leases, attempts, queue times) across every project.

internal sealed record ListPage<T>(IReadOnlyList<T> Data, string? NextBefore)
{
    public static ListPage<T> From<TItem>(SeqPage<TItem> page, Func<TItem, T> map) =>
        new(page.Items.Select(map).ToArray(), page.NextBefore?.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

internal sealed record SessionItem(bool SignedIn, string Mode, string CsrfToken, string Node);

internal sealed record LiveCounts(long Queued, long InProgress, long RequiresAction, long Cancelling);

internal sealed record OldestWaiting(string RunId, string ThreadId, long CreatedAtMs, long EligibleAtMs, long WaitingMs);

internal sealed record HourTotals(long Completed, long Failed, long Other);

internal sealed record MinuteItem(
    long MinuteMs, int Completed, int Failed, int Other,
    double? AvgWaitMs, long? MaxWaitMs, double? AvgFirstTokenMs, long? MaxFirstTokenMs)
{
    public static MinuteItem From(MinuteStats m) =>
        new(m.MinuteMs, m.Completed, m.Failed, m.Other, m.AvgWaitMs, m.MaxWaitMs, m.AvgFirstTokenMs, m.MaxFirstTokenMs);

    public static MinuteItem Empty(long minuteMs) => new(minuteMs, 0, 0, 0, null, null, null, null);
}

internal sealed record OverviewItem(long NowMs, string Node, LiveCounts Live, OldestWaiting? OldestWaiting, HourTotals LastHour, IReadOnlyList<MinuteItem> Minutes);

internal sealed record ThreadItem(string Id, string ProjectId, long CreatedAt, string? ExternalId, RawJson Metadata, string? ActiveRunId, int QueuedRuns)
{
    public static ThreadItem From(ConversationThread t) =>
        new(t.Id, t.ProjectId, t.CreatedAt, t.ExternalId, t.Metadata, t.ActiveRunId, t.QueuedRunCount);
}

internal sealed record ThreadDetailItem(ThreadItem Thread, IReadOnlyList<RunItem> Queue);

internal sealed record MessageItem(string Id, string Role, string Status, long CreatedAt, string? RunId, string? AssistantId, string Text)
{
    public static MessageItem From(Message m) =>
        new(m.Id, m.Role, m.Status, m.CreatedAt, m.RunId, m.AssistantId, MessageRole.IsItemOnly(m.Role) ? m.Content.Text : m.Text);
}

internal sealed record ErrorItem(string Code, string Message);

internal sealed record UsageItem(long PromptTokens, long CompletionTokens, long TotalTokens);

internal sealed record RunItem(
    string Id, string Object, string ProjectId, string ThreadId, string AssistantId, string Model, string Status,
    long CreatedAtMs, long EligibleAtMs, long? StartedAtMs, long? FirstTokenAtMs, long? EndedAtMs,
    int Attempt, string? LeaseOwner, long? LeaseExpiresAtMs, long DebounceMs, long MaxWaitMs,
    ErrorItem? LastError, string? IncompleteReason, UsageItem? Usage)
{
    public static RunItem From(Run r) => new(
        r.Id, r.Response.IsNull ? "run" : "response", r.ProjectId, r.ThreadId, r.AssistantId, r.Model, r.Status,
        r.CreatedAtMs, r.EligibleAtMs, r.StartedAtMs, r.FirstTokenAtMs, r.EndedAtMs,
        r.Attempt, r.LeaseOwner, r.LeaseExpiresAtMs, r.DebounceMs, r.MaxWaitMs,
        r.LastError is { } e ? new ErrorItem(e.Code, e.Message) : null, r.IncompleteReason,
        r.Usage is { } u ? new UsageItem(u.PromptTokens, u.CompletionTokens, u.TotalTokens) : null);
}

internal sealed record TimelineItem(string Label, long AtMs);

internal sealed record StepItem(string Id, string Type, string Status, long CreatedAt, long? CompletedAt, RawJson Details)
{
    public static StepItem From(RunStep s) => new(s.Id, s.Type, s.Status, s.CreatedAt, s.CompletedAt ?? s.FailedAt ?? s.CancelledAt ?? s.ExpiredAt, s.StepDetails);
}

internal sealed record RunDetailItem(RunItem Run, IReadOnlyList<TimelineItem> Timeline, IReadOnlyList<StepItem> Steps);

internal sealed record EndpointItem(
    string Id, string ProjectId, string Url, string? Description, IReadOnlyList<string> Events, bool Enabled, string? DisabledReason, long Pending)
{
    public static EndpointItem From(WebhookEndpoint e, long pending) =>
        new(e.Id, e.ProjectId, e.Url, e.Description, e.Events, e.Enabled, e.DisabledReason, pending);
}

internal sealed record DeliveryItem(
    string Id, string EndpointId, string EventId, string EventType, string? ThreadId, string Status, int Attempts,
    long NextAttemptAtMs, long? LastAttemptAtMs, int? LastStatusCode, string? LastError, long CreatedAtMs, long? DeliveredAtMs)
{
    public static DeliveryItem From(WebhookDelivery d) => new(
        d.Id, d.EndpointId, d.EventId, d.EventType, d.ThreadId, d.Status, d.Attempts,
        d.NextAttemptAtMs, d.LastAttemptAtMs, d.LastStatusCode, d.LastError, d.CreatedAtMs, d.DeliveredAtMs);
}

internal sealed record NodeItem(string Owner, int Runs, int Deliveries, int Files, long? NextLapseAtMs, bool ThisNode);

internal sealed record NodesItem(string Node, IReadOnlyList<NodeItem> Data);

internal sealed record EndpointsItem(IReadOnlyList<EndpointItem> Data);

// :: Live frames

internal sealed record ChangeFrame(long AtMs);

internal sealed record StatusFrame(string Status, long AtMs, int Attempt);

internal sealed record StepFrame(string Id, string Type, string Status);

internal sealed record TextFrame(string MessageId, string Delta);

internal sealed record MessageFrame(string Id, string Status);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionItem))]
[JsonSerializable(typeof(OverviewItem))]
[JsonSerializable(typeof(ListPage<ThreadItem>))]
[JsonSerializable(typeof(ThreadDetailItem))]
[JsonSerializable(typeof(ListPage<MessageItem>))]
[JsonSerializable(typeof(ListPage<RunItem>))]
[JsonSerializable(typeof(RunItem))]
[JsonSerializable(typeof(RunDetailItem))]
[JsonSerializable(typeof(EndpointsItem))]
[JsonSerializable(typeof(EndpointItem))]
[JsonSerializable(typeof(ListPage<DeliveryItem>))]
[JsonSerializable(typeof(DeliveryItem))]
[JsonSerializable(typeof(NodesItem))]
[JsonSerializable(typeof(ChangeFrame))]
[JsonSerializable(typeof(StatusFrame))]
[JsonSerializable(typeof(StepFrame))]
[JsonSerializable(typeof(TextFrame))]
[JsonSerializable(typeof(MessageFrame))]
internal sealed partial class DashboardJson : JsonSerializerContext
{
    public static IResult Result<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Default.GetTypeInfo(typeof(T))!, statusCode: status);
}
