using System.Security.Cryptography;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The rows of the scale and growth scenarios' large store, as the server would have written them (project
/// "default", user and assistant turns alternating, positions k × 2^16, threads.create's idempotency
/// records), written straight into the database before the server starts: by <see cref="SqliteSeed"/> or
/// <see cref="Postgres.PostgresSeed"/> (threads and messages only).
/// </summary>
internal static class LargeStore
{
    public const string Project = "default";
    public const string Assistant = "asst_benchScaleAssistant0001";
    public const string Attachments = "[]";
    public const string Metadata = "{}";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const int PositionSpacing = 1 << 16;

    /// <summary>The operation, request hash (SHA-256 of the body <c>{}</c>) and headers of a recorded <c>POST /v1/threads</c>.</summary>
    public const string KeyOperation = "POST /v1/threads";
    public const string KeyRequestHash = "44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A";
    public const string KeyResponseHeaders = """{"Content-Type":"application/json; charset=utf-8"}""";

    public sealed record SeedThread(int Index, string Id, long CreatedAt, int Messages);

    /// <summary>A done <c>Idempotency-Key</c> record of the <c>threads.create</c> that made a seeded thread: its answer is that thread.</summary>
    public sealed record SeedKey(string Key, string Token, long CreatedAtMs, long ExpiresAtMs, byte[] ResponseBody);

    /// <param name="CompletedAt">Set on assistant turns only.</param>
    /// <param name="AssistantId">Set on assistant turns only.</param>
    /// <param name="RunId">The run that wrote an assistant turn, when the store has runs (<see cref="DashboardStore"/>).</param>
    public sealed record SeedMessage(string Id, string ThreadId, long Position, long CreatedAt, long? CompletedAt, string Role, string Content, string? AssistantId, string? RunId = null);

    /// <summary><paramref name="threads"/> threads sharing <paramref name="messages"/> messages as evenly as can be, made a day ago.</summary>
    public static SeedThread[] Threads(int threads, int messages)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 86_400;
        return Enumerable.Range(0, threads)
            .Select(t => new SeedThread(t, Id("thread"), start + t, (messages / threads) + (t < messages % threads ? 1 : 0)))
            .ToArray();
    }

    /// <param name="runs">The runs of the store, which name the assistant turns' ids, runs and assistants; none: no runs.</param>
    public static IEnumerable<SeedMessage> MessagesOf(SeedThread thread, DashboardStore? runs = null)
    {
        for (var k = 1; k <= thread.Messages; k++)
        {
            var user = k % 2 == 1;
            var at = thread.CreatedAt + k;
            if (!user && runs?.TurnOf(thread.Index, k) is { } turn)
            {
                yield return new SeedMessage(turn.MessageId, thread.Id, (long)k * PositionSpacing, at, at, "assistant", Reply(thread, k), turn.AssistantId, turn.RunId);
                continue;
            }
            yield return new SeedMessage(Id("msg"), thread.Id, (long)k * PositionSpacing, at, user ? null : at, user ? "user" : "assistant",
                user
                    ? $$$"""[{"type":"text","text":{"value":"Message {{{k}}} of thread {{{thread.Index}}}: where is my order?","annotations":[]}}]"""
                    : Reply(thread, k),
                user ? null : Assistant);
        }
    }

    private static string Reply(SeedThread thread, int k) =>
        $$$"""[{"type":"text","text":{"value":"Reply {{{k}}} of thread {{{thread.Index}}}: it ships tomorrow, sorry for the wait.","annotations":[]}}]""";

    /// <summary>
    /// A record for each of the first <paramref name="count"/> of <paramref name="threads"/>, made over the 12 hours
    /// before <paramref name="nowMs"/> and kept for the server's default 24 h: every one expires 12 to 24 hours from now,
    /// so the purge leaves them and lookups find them, as in a store that takes keyed creates all day.
    /// </summary>
    public static IEnumerable<SeedKey> KeysOf(IReadOnlyList<SeedThread> threads, int count, long nowMs)
    {
        const long Window = 12 * 3_600_000L, Retention = 24 * 3_600_000L;
        count = Math.Min(count, threads.Count);
        for (var i = 0; i < count; i++)
        {
            var t = threads[i];
            var at = nowMs - Window + (i * Window / count);
            var body = $$"""{"object":"thread","id":"{{t.Id}}","created_at":{{t.CreatedAt}},"tool_resources":null,"metadata":{},"external_id":null,"active_run_id":null,"queued_run_count":0}""";
            yield return new SeedKey(Guid.NewGuid().ToString(), Guid.NewGuid().ToString("N"), at, at + Retention, System.Text.Encoding.UTF8.GetBytes(body));
        }
    }

    private static string Id(string prefix) => prefix + "_" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 24));
}
