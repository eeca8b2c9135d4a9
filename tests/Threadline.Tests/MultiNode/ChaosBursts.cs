using System.Text.Json.Nodes;
using Threadline.Tests.Queue;

namespace Threadline.Tests.MultiNode;

/// <summary>One user's debounced burst of the chaos test, with the calls that were answered.</summary>
internal sealed record ChaosBurst(string ThreadId, IReadOnlyList<BurstCall> Calls);

/// <summary>
/// Which bursts of the chaos test had to fold into one run, and whether they did. A burst must when every
/// call was answered before the quiet period of its first send ran out: its run was made after that
/// send, so it could not become eligible before every call had joined it. A burst a kill slowed beyond
/// that, or whose call was cut off, may rightly have split; it is not judged.
/// </summary>
internal static class ChaosBursts
{
    public static List<ChaosBurst> Judge(IEnumerable<UserBurst> bursts, int debounceMs) =>
        bursts.SelectMany(b => Enumerable.Range(0, b.Users).Select(u => new ChaosBurst(b.ThreadIds![u], b.Calls.Where(c => c.User == u).ToList()))
                .Where(j => j.Calls.Count == b.ClientsPerUser && j.Calls.Max(c => c.AcknowledgedUnixMs) - j.Calls.Min(c => c.SentUnixMs) < debounceMs))
            .ToList();

    /// <summary>One run on the burst's thread, answered to every call, made by one; when it completed, its reply answers every message.</summary>
    public static IEnumerable<string> Problems(ChaosBurst burst, IReadOnlyList<RunRow> rows, IReadOnlyList<JsonObject> messages)
    {
        var runs = rows.Where(r => r.ThreadId == burst.ThreadId).ToList();
        var answered = burst.Calls.Select(c => c.RunId).Distinct().ToList();
        if (runs.Count != 1 || answered.Count != 1 || answered[0] != runs[0].Id)
        {
            yield return $"burst on {burst.ThreadId}: calls answered {string.Join(", ", answered)}; the thread has {string.Join(", ", runs)}";
            yield break;
        }

        if (burst.Calls.Count(c => c.Joined == false) != 1)
            yield return $"burst on {burst.ThreadId}: joined flags {string.Join(", ", burst.Calls.Select(c => c.Joined))} (one call makes the run)";
        var reply = messages.Where(m => QueueApi.Role(m) == "assistant" && (string?)m["run_id"] == runs[0].Id).Select(QueueApi.Text).SingleOrDefault();
        var lines = reply?.Split('\n') ?? [];
        if (runs[0].Status == "completed" && burst.Calls.Any(c => !lines.Contains(c.Text)))
            yield return $"burst on {burst.ThreadId}: reply '{reply}' does not answer {string.Join(" | ", burst.Calls.Select(c => c.Text))}";
    }
}
