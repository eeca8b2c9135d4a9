using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Threadline.Tests.Queue;
using Xunit;

namespace Threadline.Tests.MultiNode;

/// <summary>What the threads hold once every run has ended, whatever failed on the way.</summary>
internal static class ThreadReplies
{
    /// <summary>
    /// Reads every message of the threads and asserts that no run has two replies, every completed run has
    /// one, and each thread ran one run at a time in queue order (I1, I2). Returns the messages.
    /// </summary>
    public static async Task<IReadOnlyList<JsonObject>> AssertOnePerRunAsync(HttpClient http, IEnumerable<string> threads, IReadOnlyCollection<RunRow> runs)
    {
        var stored = new ConcurrentBag<JsonObject>();
        await QueueApi.ForEachAsync(threads, 4, async t =>
        {
            foreach (var message in await QueueApi.ListAllAsync(http, $"threads/{t}/messages"))
                stored.Add(message);
        });
        var replies = stored.Where(m => QueueApi.Role(m) == "assistant")
            .GroupBy(m => (string?)m["run_id"] ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        var twice = replies.Where(r => r.Value > 1).ToList();
        Assert.True(twice.Count == 0, "runs with more than one reply: " + string.Join(", ", twice.Select(t => $"{t.Key} ({t.Value})")));
        var mute = runs.Where(r => r.Status == "completed" && !replies.ContainsKey(r.Id)).ToList();
        Assert.True(mute.Count == 0, "completed runs without a reply: " + string.Join(", ", mute.Take(10)));
        foreach (var threadRuns in runs.GroupBy(r => r.ThreadId))
            RunTable.AssertSerialInQueueOrder(threadRuns);
        return [.. stored];
    }

    /// <summary>Asserts that every run that did not complete failed with <c>server_error</c>: taken over after it had spoken (I5).</summary>
    public static async Task AssertFailedOnlyWhenTakenOverAsync(HttpClient http, IEnumerable<RunRow> runs)
    {
        foreach (var row in runs.Where(r => r.Status != "completed"))
        {
            var run = await QueueApi.GetRunAsync(http, row.ThreadId, row.Id);
            Assert.True(row.Status == "failed" && (string?)run["last_error"]?["code"] == "server_error",
                $"run {row.Id} ended {row.Status} ({run["last_error"]?.ToJsonString()}), not completed or failed with server_error after a take-over");
        }
    }
}
