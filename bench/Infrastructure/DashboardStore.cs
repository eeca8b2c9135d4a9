using System.Security.Cryptography;
using System.Text;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// What the dashboard lists, on top of <see cref="LargeStore"/>'s threads and messages, as the server would
/// have written it: a run for every assistant turn (its reply message names it; one <c>message_creation</c>
/// step each), four assistants, external ids and metadata on some threads, a few runs in progress on another
/// node and a few queued ones that will not be eligible for hours, webhook endpoints and an event and a
/// delivery for each of the latest ended runs. Written by <see cref="SqliteSeed.WriteDashboardAsync"/>.
/// </summary>
/// <remarks>
/// Runs are made in time order across threads, round-robin (every thread's first turn, then every
/// thread's second...), so that <c>seq</c> follows <c>created_at_ms</c> as it does on a live server: the
/// bulk over the day before the last two hours, <see cref="RecentRuns"/> in the last hour (the overview's
/// minutes). Times are independent of the messages' own (LargeStore's thread clock). Every pick that looks
/// random is a hash of the run's index, so two plans of the same sizes have the same shape.
/// </remarks>
internal sealed class DashboardStore
{
    public const string OtherNode = "bench-node-b:4242:0badcafe";
    private const string EndedNode = "bench-node-a:4141:00c0ffee";
    private const long Hour = 3_600_000;
    private const string Ordered = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public sealed record SeedAssistant(string Id, string Model)
    {
        public static readonly string[] Columns = ["id", "project_id", "created_at", "name", "description", "model", "instructions", "tools",
            "tool_resources", "metadata", "temperature", "top_p", "response_format", "reasoning_effort"];

        public object?[] Row(long nowMs) => [Id, LargeStore.Project, (nowMs / 1000) - (90 * 86_400), "Support (" + Model + ")", null, Model,
            Instructions, Tools, null, LargeStore.Metadata, null, null, Auto, null];
    }

    /// <summary>A run and, when it ended, its step and the reply message the step names.</summary>
    public sealed record SeedRun(
        string Id, string ThreadId, string AssistantId, string Model, string Status, long CreatedAtMs, long EligibleAtMs,
        long? StartedAtMs, long? FirstTokenAtMs, long? EndedAtMs, long QueueKey, long DebounceMs, long MaxWaitMs, long Attempt,
        string? LeaseOwner, long? LeaseExpiresAtMs, long? ContextPosition, string? ErrorCode, string? ErrorMessage,
        string? IncompleteReason, long? PromptTokens, long? CompletionTokens, string? StepId, string? MessageId)
    {
        /// <summary>The runs table's columns as of SQLite 0007 / PostgreSQL 0004; <c>first_token_at_ms</c> comes after them when the store has it.</summary>
        public static readonly string[] Columns = ["id", "project_id", "thread_id", "assistant_id", "status", "created_at", "started_at", "expires_at",
            "cancelled_at", "failed_at", "completed_at", "required_action", "last_error_code", "last_error_message", "incomplete_reason", "model",
            "instructions", "additional_instructions", "tools", "metadata", "prompt_tokens", "completion_tokens", "temperature", "top_p",
            "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format",
            "reasoning_effort", "queue_key", "debounce_ms", "max_wait_ms", "created_at_ms", "eligible_at_ms", "started_at_ms", "ended_at_ms",
            "lease_owner", "lease_expires_at_ms", "context_position", "attempt", "response"];

        public const string FirstTokenColumn = "first_token_at_ms";

        public object?[] Row(bool firstToken)
        {
            long? endedSeconds(string status) => Status == status ? EndedAtMs / 1000 : null;
            object?[] row = [Id, LargeStore.Project, ThreadId, AssistantId, Status, CreatedAtMs / 1000, StartedAtMs / 1000, null,
                endedSeconds("cancelled"), endedSeconds("failed"), endedSeconds("completed"), null, ErrorCode, ErrorMessage, IncompleteReason, Model,
                Instructions, null, Tools, LargeStore.Metadata, PromptTokens, CompletionTokens, null, null,
                null, null, TruncationStrategy, Auto, 1L, Auto,
                null, QueueKey, DebounceMs, MaxWaitMs, CreatedAtMs, EligibleAtMs, StartedAtMs, EndedAtMs,
                LeaseOwner, LeaseExpiresAtMs, ContextPosition, Attempt, null];
            return firstToken ? [.. row, FirstTokenAtMs] : row;
        }

        public static readonly string[] StepColumns = ["id", "project_id", "thread_id", "run_id", "assistant_id", "type", "status", "step_details",
            "last_error_code", "last_error_message", "created_at", "expired_at", "cancelled_at", "failed_at", "completed_at", "metadata",
            "prompt_tokens", "completion_tokens"];

        /// <summary>The <c>message_creation</c> step of an ended run (null for the others), ending with it.</summary>
        public object?[]? StepRow()
        {
            if (StepId is null || EndedAtMs is not { } ended)
                return null;
            var status = Status == "incomplete" ? "completed" : Status;
            long? at(string s) => status == s ? ended / 1000 : null;
            return [StepId, LargeStore.Project, ThreadId, Id, AssistantId, "message_creation", status,
                $$$"""{"type":"message_creation","message_creation":{"message_id":"{{{MessageId}}}"}}""",
                ErrorCode, ErrorMessage, StartedAtMs / 1000, null, at("cancelled"), at("failed"), at("completed"), LargeStore.Metadata,
                PromptTokens, CompletionTokens];
        }
    }

    public sealed record SeedEndpoint(string Id, string Url, bool Enabled, string? DisabledReason, long CreatedAt)
    {
        public static readonly string[] Columns = ["id", "project_id", "created_at", "url", "description", "events", "secret", "previous_secret",
            "previous_secret_expires_at_ms", "enabled", "disabled_reason", "metadata", "config_name"];

        /// <summary>The secret in the plain <c>whsec_</c> form of rows written before encryption at rest, which the server reads as it is.</summary>
        public object?[] Row() => [Id, LargeStore.Project, CreatedAt, Url, "bench endpoint", "[]", "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            null, null, Enabled ? 1L : 0L, DisabledReason, LargeStore.Metadata, null];
    }

    /// <summary>An event of a run's end and its one delivery.</summary>
    public sealed record SeedDelivery(
        string EventId, string EventType, string ThreadId, long EventCreatedAt, byte[] Payload, string Id, string EndpointId,
        string Status, long Attempts, long NextAttemptAtMs, long? LastAttemptAtMs, long? LastStatusCode, string? LastError,
        long CreatedAtMs, long? DeliveredAtMs)
    {
        public static readonly string[] EventColumns = ["id", "project_id", "thread_id", "type", "created_at", "payload"];

        public object?[] EventRow() => [EventId, LargeStore.Project, ThreadId, EventType, EventCreatedAt, Payload];

        public static readonly string[] Columns = ["id", "event_seq", "event_id", "endpoint_id", "project_id", "thread_id", "status", "attempts",
            "next_attempt_at_ms", "last_attempt_at_ms", "last_status_code", "last_error", "created_at_ms", "delivered_at_ms", "locked_by", "locked_until_ms"];

        public object?[] Row(long eventSeq) => [Id, eventSeq, EventId, EndpointId, LargeStore.Project, ThreadId, Status, Attempts,
            NextAttemptAtMs, LastAttemptAtMs, LastStatusCode, LastError, CreatedAtMs, DeliveredAtMs, null, null];
    }

    /// <summary>A reply's message id, its run and assistant.</summary>
    public readonly record struct Turn(string MessageId, string RunId, string AssistantId);

    public static readonly SeedAssistant[] Assistants =
    [
        new(FixedId("asst", "benchSupport0"), "gpt-4o"),
        new(FixedId("asst", "benchSupport1"), "gpt-4o-mini"),
        new(FixedId("asst", "benchTriage00"), "gpt-4.1"),
        new(FixedId("asst", "benchBilling0"), "o3-mini"),
    ];

    public const string Instructions = "You answer customers about their orders, briefly and politely.";
    public const string Tools = "[]";
    public const string TruncationStrategy = """{"type":"auto","last_messages":null}""";
    public const string Auto = "\"auto\"";
    public const long MaxWaitMs = 30_000;

    private readonly LargeStore.SeedThread[] _threads;
    private readonly int[] _roundStart;
    private readonly string[] _runIds;
    private readonly string[] _replyIds;
    private readonly int[] _activeThreads;
    private readonly string[] _activeIds;
    private readonly int[] _queuedThreads;

    public long NowMs { get; }
    public int EndedRuns => _runIds.Length;
    public int RecentRuns { get; }
    public int DeliveryCount { get; }
    public SeedEndpoint[] Endpoints { get; }
    public const int QueuedPerThread = 2;

    private DashboardStore(LargeStore.SeedThread[] threads, int recentRuns, int deliveries, long nowMs)
    {
        _threads = threads;
        NowMs = nowMs;
        // Threads with more messages come first (LargeStore), so those with a j-th reply are a prefix.
        var rounds = threads.Length == 0 ? 0 : threads[0].Messages / 2;
        _roundStart = new int[rounds + 1];
        for (var j = 0; j < rounds; j++)
            _roundStart[j + 1] = _roundStart[j] + threads.Count(t => t.Messages / 2 > j);
        var runs = _roundStart[rounds];
        RecentRuns = Math.Min(recentRuns, runs / 2);
        DeliveryCount = Math.Min(deliveries, runs);
        _runIds = new string[runs];
        _replyIds = new string[runs];
        for (var r = 0; r < runs; r++)
        {
            _runIds[r] = TimedId("run", CreatedAtMs(r));
            _replyIds[r] = TimedId("msg", CreatedAtMs(r) + 1);
        }
        // A few threads, spread over the store, hold a run in progress on another node or wait with queued runs.
        var special = Math.Clamp(threads.Length / 5_000, 1, 20);
        _activeThreads = Enumerable.Range(0, special).Select(i => (int)((i * 2L + 1) * threads.Length / (special * 4L))).ToArray();
        _queuedThreads = Enumerable.Range(0, special).Select(i => (int)((i * 2L + 1) * threads.Length / (special * 4L)) + 1)
            .Where(t => t < threads.Length && !_activeThreads.Contains(t)).ToArray();
        _activeIds = _activeThreads.Select((_, i) => TimedId("run", ActiveCreatedMs(i))).ToArray();
        Endpoints =
        [
            new(TimedId("we", nowMs - (30 * 24 * Hour)), "https://hooks.example.com/threadline/orders", true, null, (nowMs / 1000) - (30 * 86_400)),
            new(TimedId("we", nowMs - (20 * 24 * Hour)), "https://crm.example.net/webhooks/threadline", true, null, (nowMs / 1000) - (20 * 86_400)),
            new(TimedId("we", nowMs - (10 * 24 * Hour)), "https://old-analytics.example.org/in", false, "The receiver answered 410 Gone.", (nowMs / 1000) - (10 * 86_400)),
        ];
    }

    public static DashboardStore Plan(LargeStore.SeedThread[] threads, int recentRuns, int deliveries) =>
        new(threads, recentRuns, deliveries, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    // Threads: every other one has an external id, every tenth metadata naming its customer and plan.
    public string? ExternalIdOf(int thread) => thread % 2 == 0 ? $"user-{thread}" : null;

    public string MetadataOf(int thread) => thread % 10 != 0 ? LargeStore.Metadata
        : $$"""{"customer":"cust_{{thread}}","plan":"{{(thread % 100 == 0 ? "enterprise" : "pro")}}"}""";

    public string? ActiveRunOf(int thread) => Array.IndexOf(_activeThreads, thread) is var i and >= 0 ? _activeIds[i] : null;

    public int QueuedRunsOf(int thread) => _queuedThreads.Contains(thread) ? QueuedPerThread : 0;

    public long? NextRunAtMsOf(int thread) => QueuedRunsOf(thread) > 0 ? QueuedEligibleMs : null;

    public LargeStore.SeedThread[] Threads => _threads;

    /// <summary>The reply at message <paramref name="k"/> (1-based, even) of a thread.</summary>
    public Turn TurnOf(int thread, int k)
    {
        var r = RunIndex(thread, (k / 2) - 1);
        return new Turn(_replyIds[r], _runIds[r], Assistants[AssistantIndex(r)].Id);
    }

    public string RunId(int r) => _runIds[r];

    /// <summary>The ended runs in time order, then the runs in progress, then the queued ones.</summary>
    public IEnumerable<SeedRun> Runs()
    {
        for (var r = 0; r < _runIds.Length; r++)
            yield return Ended(r);
        for (var i = 0; i < _activeThreads.Length; i++)
        {
            var t = _threads[_activeThreads[i]];
            var a = Assistants[i % Assistants.Length];
            var created = ActiveCreatedMs(i);
            yield return new SeedRun(_activeIds[i], t.Id, a.Id, a.Model, "in_progress", created, created, created + 120, null, null,
                (t.Messages / 2) + 1, 0, MaxWaitMs, 1, OtherNode, NowMs + (2 * Hour), (long)t.Messages << 16,
                null, null, null, null, null, null, null);
        }
        foreach (var thread in _queuedThreads)
        {
            var t = _threads[thread];
            for (var q = 0; q < QueuedPerThread; q++)
            {
                var a = Assistants[thread % Assistants.Length];
                var created = NowMs - (5 * 60_000) + (q * 1_000L);
                // Scheduled follow-ups: debounced for six hours, so they stay queued while the scenario runs.
                yield return new SeedRun(TimedId("run", created), t.Id, a.Id, a.Model, "queued", created, QueuedEligibleMs + (q * 1_000L),
                    null, null, null, (t.Messages / 2) + 1 + q, 6 * Hour, 12 * Hour, 0, null, null, null,
                    null, null, null, null, null, null, null);
            }
        }
    }

    /// <summary>An event and a delivery for each of the latest <see cref="DeliveryCount"/> ended runs, oldest first.</summary>
    public IEnumerable<SeedDelivery> Deliveries()
    {
        var disabledAt = NowMs - (2 * Hour);
        var pendingFrom = _runIds.Length - 10;
        for (var r = _runIds.Length - DeliveryCount; r < _runIds.Length; r++)
        {
            var run = Ended(r);
            var ended = run.EndedAtMs!.Value;
            var type = "thread.run." + run.Status;
            var eventId = TimedId("evt", ended);
            var payload = Encoding.UTF8.GetBytes(
                $$$"""{"id":"{{{eventId}}}","object":"event","type":"{{{type}}}","created_at":{{{ended / 1000}}},"data":{"run":{"id":"{{{run.Id}}}","object":"thread.run","created_at":{{{run.CreatedAtMs / 1000}}},"thread_id":"{{{run.ThreadId}}}","assistant_id":"{{{run.AssistantId}}}","status":"{{{run.Status}}}","model":"{{{run.Model}}}"},"messages":[]}}""");
            var h = Mix(r, 11) % 100;
            var endpoint = r >= pendingFrom || (h >= 60 && h < 90) ? Endpoints[1] : h < 60 ? Endpoints[0] : Endpoints[2];
            var id = "whd_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            var sent = ended + 40 + (long)(Mix(r, 12) % 200);
            yield return endpoint switch
            {
                { Enabled: false } when ended >= disabledAt =>
                    new(eventId, type, run.ThreadId, ended / 1000, payload, id, endpoint.Id, "failed", 0, ended, null, null, "endpoint disabled (410 Gone)", ended, null),
                _ when r >= pendingFrom =>
                    new(eventId, type, run.ThreadId, ended / 1000, payload, id, endpoint.Id, "pending", 2, NowMs + (6 * Hour), sent, 503, "HTTP 503", ended, null),
                _ when Mix(r, 13) % 100 < 3 =>
                    new(eventId, type, run.ThreadId, ended / 1000, payload, id, endpoint.Id, "failed", 8, sent + (8 * Hour), sent + (8 * Hour), 500, "HTTP 500", ended, null),
                _ => new(eventId, type, run.ThreadId, ended / 1000, payload, id, endpoint.Id, "succeeded", 1, ended, sent, 200, null, ended, sent + 30),
            };
        }
    }

    private long QueuedEligibleMs => NowMs + (6 * Hour);

    private long ActiveCreatedMs(int i) => NowMs - 45_000 - (i * 1_000L);

    private int RunIndex(int thread, int round) => _roundStart[round] + thread;

    private static int AssistantIndex(int r) => (int)(Mix(r, 1) % (ulong)Assistants.Length);

    /// <summary>The bulk over [now − 26 h, now − 2 h], the last <see cref="RecentRuns"/> over the last hour (ending by now − 30 s).</summary>
    private long CreatedAtMs(int r)
    {
        var bulk = _runIds.Length - RecentRuns;
        return r < bulk
            ? NowMs - (26 * Hour) + (r * (24 * Hour) / Math.Max(1, bulk))
            : NowMs - Hour + ((r - bulk) * (Hour - 30_000) / Math.Max(1, RecentRuns));
    }

    private SeedRun Ended(int r)
    {
        var round = Array.FindLastIndex(_roundStart, s => s <= r);
        var t = _threads[r - _roundStart[round]];
        var a = Assistants[AssistantIndex(r)];
        var created = CreatedAtMs(r);
        // Queue wait: mostly tens of milliseconds, 1% of runs behind another for seconds.
        var wait = Mix(r, 2) % 100 == 0 ? 2_000 + (long)(Mix(r, 3) % 18_000) : 5 + (long)(Mix(r, 3) % 300);
        var started = created + wait;
        var firstToken = started + 150 + (long)(Mix(r, 4) % 1_200);
        var ended = firstToken + 300 + (long)(Mix(r, 5) % 6_000);
        var pick = Mix(r, 6) % 100;
        var status = pick < 92 ? "completed" : pick < 96 ? "failed" : pick < 98 ? "cancelled" : "incomplete";
        var produced = status is "completed" or "incomplete";
        var (code, message) = status != "failed" ? (null, null)
            : Mix(r, 7) % 2 == 0 ? ("server_error", "The upstream model answered 500 Internal Server Error.")
            : ("rate_limit_exceeded", "The upstream model answered 429 Too Many Requests.");
        return new SeedRun(_runIds[r], t.Id, a.Id, a.Model, status, created, created, started, produced ? firstToken : null, ended,
            round + 1, 0, MaxWaitMs, 1, EndedNode, null, ((round * 2L) + 1) << 16, code, message,
            status == "incomplete" ? "max_completion_tokens" : null,
            produced ? 300 + (long)(Mix(r, 8) % 3_000) : null, produced ? 20 + (long)(Mix(r, 9) % 400) : null,
            TimedId("step", started + 1), _replyIds[r]);
    }

    /// <summary>A server-shaped id (<c>Ids.New</c>): the time in eight ordered characters, then sixteen random ones.</summary>
    private static string TimedId(string prefix, long ms)
    {
        Span<char> time = stackalloc char[8];
        for (var i = 7; i >= 0; i--)
        {
            time[i] = Ordered[(int)(ms % Ordered.Length)];
            ms /= Ordered.Length;
        }
        return prefix + "_" + new string(time) + new string(RandomNumberGenerator.GetItems<char>(Ordered, 16));
    }

    private static string FixedId(string prefix, string name) => prefix + "_" + name.PadRight(24, '0');

    /// <summary>SplitMix64 of the run index and a salt: the same pick every time.</summary>
    private static ulong Mix(long x, ulong salt)
    {
        var z = ((ulong)x * 0x9E3779B97F4A7C15UL) + (salt * 0xD1B54A32D192ED03UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
