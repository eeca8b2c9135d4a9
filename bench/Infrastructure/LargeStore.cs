using System.Security.Cryptography;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The rows of the scale scenarios' large store, as the server would have written them (project
/// "default", user and assistant turns alternating, positions k × 2^16), written straight into the
/// database before the server starts: by <see cref="SqliteSeed"/> or <see cref="Postgres.PostgresSeed"/>.
/// </summary>
internal static class LargeStore
{
    public const string Project = "default";
    public const string Assistant = "asst_benchScaleAssistant0001";
    public const string Attachments = "[]";
    public const string Metadata = "{}";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const int PositionSpacing = 1 << 16;

    public sealed record SeedThread(int Index, string Id, long CreatedAt, int Messages);

    /// <param name="CompletedAt">Set on assistant turns only.</param>
    /// <param name="AssistantId">Set on assistant turns only.</param>
    public sealed record SeedMessage(string Id, string ThreadId, long Position, long CreatedAt, long? CompletedAt, string Role, string Content, string? AssistantId);

    /// <summary><paramref name="threads"/> threads sharing <paramref name="messages"/> messages as evenly as can be, made a day ago.</summary>
    public static SeedThread[] Threads(int threads, int messages)
    {
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 86_400;
        return Enumerable.Range(0, threads)
            .Select(t => new SeedThread(t, Id("thread"), start + t, (messages / threads) + (t < messages % threads ? 1 : 0)))
            .ToArray();
    }

    public static IEnumerable<SeedMessage> MessagesOf(SeedThread thread)
    {
        for (var k = 1; k <= thread.Messages; k++)
        {
            var user = k % 2 == 1;
            var at = thread.CreatedAt + k;
            yield return new SeedMessage(Id("msg"), thread.Id, (long)k * PositionSpacing, at, user ? null : at, user ? "user" : "assistant",
                user
                    ? $$$"""[{"type":"text","text":{"value":"Message {{{k}}} of thread {{{thread.Index}}}: where is my order?","annotations":[]}}]"""
                    : $$$"""[{"type":"text","text":{"value":"Reply {{{k}}} of thread {{{thread.Index}}}: it ships tomorrow, sorry for the wait.","annotations":[]}}]""",
                user ? null : Assistant);
        }
    }

    private static string Id(string prefix) => prefix + "_" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 24));
}
