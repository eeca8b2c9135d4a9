using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Tests.Storage;

/// <summary>The smallest valid objects the suite stores; times and ids as the caller gives them.</summary>
internal static class StoreObjects
{
    public const string Project = "proj_conformance";
    public const string Assistant = "asst_conformance";

    public static ConversationThread Thread(long nowMs, string? id = null, string project = Project, string? externalId = null,
        string metadata = "{}") => new()
    {
        Id = id ?? Ids.Thread(), ProjectId = project, CreatedAt = nowMs / 1000, ExternalId = externalId, Metadata = RawJson.Trusted(metadata),
    };

    public static Message Message(string threadId, long nowMs, string text, string role = MessageRole.User, string? id = null) => new()
    {
        Id = id ?? Ids.Message(), ProjectId = Project, ThreadId = threadId, CreatedAt = nowMs / 1000, CompletedAt = nowMs / 1000,
        Status = MessageStatus.Completed, Role = role, Content = MessageContent.FromText(text), Metadata = RawJson.EmptyObject,
    };

    /// <summary>A queued run that may start <paramref name="debounceMs"/> after it is made (bounded by <paramref name="maxWaitMs"/>).</summary>
    public static Run Run(string threadId, long nowMs, string? id = null, long debounceMs = 0, long maxWaitMs = 0, string assistant = Assistant) => new()
    {
        Id = id ?? Ids.Run(), ProjectId = Project, ThreadId = threadId, AssistantId = assistant, Status = RunStatus.Queued,
        CreatedAt = nowMs / 1000, Model = "echo", Tools = RawJson.EmptyArray, Metadata = RawJson.EmptyObject,
        TruncationStrategy = RawJson.Trusted("""{"type":"auto","last_messages":null}"""), ToolChoice = WireDefaults.Auto,
        ResponseFormat = WireDefaults.Auto, DebounceMs = debounceMs, MaxWaitMs = maxWaitMs,
        CreatedAtMs = nowMs, EligibleAtMs = nowMs + Math.Min(debounceMs, maxWaitMs),
    };

    public static Assistant AssistantIn(string project, long nowMs, string? id = null) => new()
    {
        Id = id ?? Ids.Assistant(), ProjectId = project, CreatedAt = nowMs / 1000, Model = "echo", Tools = RawJson.EmptyArray,
        Metadata = RawJson.EmptyObject,
    };

    /// <summary>An endpoint of <paramref name="project"/> wanting <paramref name="events"/> (none: every event).</summary>
    public static WebhookEndpoint Endpoint(long nowMs, IReadOnlyList<string> events, bool enabled = true, string project = Project) => new()
    {
        Id = Ids.New("we"), ProjectId = project, CreatedAt = nowMs / 1000, Url = "http://127.0.0.1:9/hook", Events = events,
        Secret = WebhookSigner.NewSecret(), Enabled = enabled, Metadata = RawJson.EmptyObject,
    };

    /// <summary>Ids of <paramref name="prefix"/> that sort the other way round from the order they are listed in.</summary>
    public static IReadOnlyList<string> DescendingIds(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"{prefix}_{99 - i:D2}conformance")];
}
