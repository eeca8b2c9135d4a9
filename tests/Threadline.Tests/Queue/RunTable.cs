using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// A run as the API shows it, to the millisecond (the extension fields of docs/queue.md).
/// <paramref name="CreationOrder"/> is its place among its thread's runs in creation order (the runs list,
/// oldest first); <paramref name="EligibleAtMs"/> is shown only while the run is queued.
/// </summary>
internal sealed record RunRow(
    string Id, string ThreadId, int CreationOrder, string Status, string Model, long CreatedAtMs, long? EligibleAtMs,
    long? StartedAtMs, long? EndedAtMs, string? LeaseOwner, long Attempt)
{
    public static RunRow From(JsonObject run, int creationOrder) => new(
        QueueApi.Id(run), (string)run["thread_id"]!, creationOrder, QueueApi.Status(run), (string)run["model"]!,
        QueueApi.Long(run, "created_at_ms") ?? throw new InvalidOperationException("a run without created_at_ms: " + run.ToJsonString()),
        QueueApi.Long(run, "eligible_at_ms"), QueueApi.Long(run, "started_at_ms"), QueueApi.Long(run, "ended_at_ms"),
        (string?)run["lease_owner"], QueueApi.Long(run, "attempt") ?? throw new InvalidOperationException("a run without attempt: " + run.ToJsonString()));

    public override string ToString() =>
        $"{Id} {Status} model={Model} #{CreationOrder} created={CreatedAtMs} eligible={EligibleAtMs} started={StartedAtMs} ended={EndedAtMs} owner={LeaseOwner} attempt={Attempt}";
}

/// <summary>
/// Reads the runs of a server through its API (any server of a shared database will do): every thread of
/// the client's project, then every run of each, following the lists' cursors, oldest first.
/// </summary>
internal static class RunTable
{
    private const int Parallelism = 4;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Every run of the project, thread by thread (oldest thread first), each thread's runs oldest first.</summary>
    public static async Task<IReadOnlyList<RunRow>> ReadAsync(HttpClient http, Func<RunRow, bool>? where = null)
    {
        var threads = await ThreadIdsAsync(http);
        var runs = await ReadThreadsAsync(http, threads);
        return threads.SelectMany(t => runs[t]).Where(where ?? (_ => true)).ToList();
    }

    /// <summary>The runs of one thread, oldest first.</summary>
    public static async Task<IReadOnlyList<RunRow>> ReadThreadAsync(HttpClient http, string threadId) =>
        (await QueueApi.ListAllAsync(http, $"threads/{threadId}/runs")).Select(RunRow.From).ToList();

    public static async Task<RunRow> ReadOneAsync(HttpClient http, string threadId, string runId) =>
        Assert.Single(await ReadThreadAsync(http, threadId), r => r.Id == runId);

    public static bool IsTerminal(RunRow row) => QueueApi.IsTerminal(row.Status);

    /// <summary>
    /// Polls until every run of the project is terminal and at least <paramref name="expectedRuns"/> exist.
    /// A thread whose runs were all terminal is not read again until the end, when everything is read once
    /// more (a terminal run stays terminal, but the thread may have gained a run): that read is returned.
    /// </summary>
    public static async Task<IReadOnlyList<RunRow>> WaitUntilAllTerminalAsync(HttpClient http, int expectedRuns, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var settled = new Dictionary<string, IReadOnlyList<RunRow>>();
        while (true)
        {
            var threads = await ThreadIdsAsync(http);
            var read = await ReadThreadsAsync(http, threads.Where(t => !settled.ContainsKey(t)));
            foreach (var (thread, runs) in read.Where(p => p.Value.All(IsTerminal)))
            {
                settled[thread] = runs;
            }

            var rows = threads.SelectMany(t => settled.TryGetValue(t, out var runs) ? runs : read[t]).ToList();
            if (rows.Count >= expectedRuns && rows.All(IsTerminal))
            {
                rows = [.. await ReadAsync(http)];
                if (rows.Count >= expectedRuns && rows.All(IsTerminal))
                {
                    return rows;
                }

                settled.Clear();
            }

            if (DateTime.UtcNow > deadline)
            {
                var open = rows.Where(r => !IsTerminal(r)).Take(20).Select(r => r.ToString());
                Assert.Fail($"Within {timeout}: {rows.Count} runs (expected at least {expectedRuns}), {rows.Count(r => !IsTerminal(r))} not terminal:\n{string.Join("\n", open)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// I1 and I2 on one thread's runs: in start order, each run ended before the next started, and the
    /// start order is the creation order. A run put first by <c>on_active: interrupt</c>, or resumed after
    /// tool outputs, rightly starts out of creation order: pass <paramref name="checkQueueOrder"/> false.
    /// (A run taken over after a lost lease goes first too, which is its creation order when it was the
    /// thread's active run and every run behind it was made after it.)
    /// </summary>
    public static void AssertSerialInQueueOrder(IEnumerable<RunRow> threadRuns, bool checkQueueOrder = true)
    {
        var started = threadRuns.Where(r => r.StartedAtMs is not null).OrderBy(r => r.StartedAtMs).ThenBy(r => r.EndedAtMs).ToList();
        for (var i = 0; i + 1 < started.Count; i++)
        {
            Assert.True(started[i].EndedAtMs is not null && started[i].EndedAtMs <= started[i + 1].StartedAtMs,
                $"I1 violated: two runs of thread {started[i].ThreadId} overlap by {started[i].EndedAtMs - started[i + 1].StartedAtMs} ms " +
                $"(the second started_at_ms is before the first ended_at_ms):\n  {started[i]}\n  {started[i + 1]}");
        }

        if (checkQueueOrder)
        {
            var creationOrder = started.OrderBy(r => r.CreationOrder).Select(r => r.Id).ToList();
            Assert.True(creationOrder.SequenceEqual(started.Select(r => r.Id)),
                $"I2 violated: runs of thread {started.FirstOrDefault()?.ThreadId} started out of creation order:\n  {string.Join("\n  ", started)}");
        }
    }

    private static async Task<List<string>> ThreadIdsAsync(HttpClient http) =>
        (await QueueApi.ListAllAsync(http, "threads")).Select(QueueApi.Id).ToList();

    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<RunRow>>> ReadThreadsAsync(HttpClient http, IEnumerable<string> threads)
    {
        var runs = new ConcurrentDictionary<string, IReadOnlyList<RunRow>>();
        await QueueApi.ForEachAsync(threads, Parallelism, async t => runs[t] = await ReadThreadAsync(http, t));
        return runs;
    }
}
