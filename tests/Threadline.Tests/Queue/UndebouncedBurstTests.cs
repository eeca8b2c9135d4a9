using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// The issue's burst without <c>debounce_ms</c>: 100 users, 3 messages each within 300 ms through 3
/// independent clients, each client posting its message and then a run. Nothing is refused; each
/// thread gets 3 runs that execute one after another in creation order (I1, I2), and, by I4, each run
/// answers exactly the messages that were in the thread when it started and that no earlier run
/// answered.
/// </summary>
/// <remarks>
/// The exact expectation. Runs of a thread execute one at a time; a run sees the thread as it was
/// when it started and its reply is placed right after the last message it saw. The echo model
/// answers the user messages after the last assistant message of what it sees. Hence, reading the
/// thread in order: every assistant message's text is exactly the user messages between the previous
/// assistant message and it, joined by a newline (empty when a run found nothing new, which happens
/// when an earlier run already answered the messages of its caller); the assistant messages belong to
/// the runs in the order they started; the thread ends with an assistant message (the last run started
/// after every message had been acknowledged, because each run was created after its message); so
/// every user message is answered exactly once, in order. On the shared wall clock (server and test
/// run on one machine), a message acknowledged before a run's recorded start sits before that run's reply.
/// </remarks>
[Collection(SerialQueueCollection.Name)]
public sealed class UndebouncedBurstTests(ITestOutputHelper output)
{
    private const int Users = 100;
    private const int ClientsPerUser = 3;

    [Fact]
    public async Task Each_users_three_runs_execute_one_after_another_and_answer_every_message_once()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var setup = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);
        var threads = new string[Users];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Users), 8, async u =>
            threads[u] = await QueueApi.CreateThreadAsync(setup, new JsonObject { ["external_id"] = $"user-{u}" }));

        var burst = new UserBurst { Server = server, AssistantId = assistantId, Users = Users, ThreadIds = threads, ClientsPerUser = ClientsPerUser };
        var clock = Stopwatch.StartNew();
        await burst.RunAsync();
        output.WriteLine(burst.Describe());

        Assert.True(burst.Errors.IsEmpty, $"{burst.Errors.Count} failed calls:\n{string.Join("\n", burst.Errors.Take(20))}\n{server.FormatLog(50)}");
        Assert.Equal(Users * ClientsPerUser, burst.Calls.Count);

        var rows = await RunTable.WaitUntilAllTerminalAsync(setup, Users * ClientsPerUser, TimeSpan.FromSeconds(60));
        output.WriteLine($"burst sent and every run ended after {clock.ElapsedMilliseconds} ms");

        var failures = new List<string>();
        var emptyReplies = 0;
        await QueueApi.ForEachAsync(Enumerable.Range(0, Users), 8, async u =>
        {
            var (problems, empty) = await CheckUserAsync(setup, u, threads[u], burst.Calls.Where(c => c.User == u).ToList(),
                rows.Where(r => r.ThreadId == threads[u]).ToList());
            lock (failures)
            {
                failures.AddRange(problems.Select(p => $"user-{u} ({threads[u]}): {p}"));
                emptyReplies += empty;
            }
        });
        output.WriteLine($"{emptyReplies} of {Users * ClientsPerUser} runs found no new user message (an earlier run had answered it)");
        Assert.True(failures.Count == 0, $"{failures.Count} problems:\n{string.Join("\n", failures.Take(30))}");
    }

    private static async Task<(List<string> Problems, int EmptyReplies)> CheckUserAsync(
        HttpClient http, int user, string threadId, List<BurstCall> calls, List<RunRow> rows)
    {
        var problems = new List<string>();

        // :: Three calls, three runs, none joined.
        var runIds = calls.Select(c => c.RunId!).Distinct().ToList();
        if (runIds.Count != ClientsPerUser || calls.Any(c => c.Joined != false))
        {
            problems.Add($"create-run answers: {string.Join(", ", calls.Select(c => $"{c.RunId} joined={c.Joined}"))} (expected 3 runs, joined=false)");
        }

        var runs = await QueueApi.ListAllAsync(http, $"threads/{threadId}/runs");
        if (runs.Count != ClientsPerUser || runs.Any(r => QueueApi.Status(r) != "completed") || !runs.Select(QueueApi.Id).ToHashSet().SetEquals(runIds))
        {
            problems.Add($"runs on the thread: {string.Join(", ", runs.Select(r => $"{QueueApi.Id(r)} {QueueApi.Status(r)}"))} (expected {string.Join(", ", runIds)}, completed)");
        }

        // :: I1 and I2, to the millisecond, from the runs' timelines.
        try
        {
            Assert.Equal(ClientsPerUser, rows.Count);
            RunTable.AssertSerialInQueueOrder(rows);
        }
        catch (Exception e)
        {
            problems.Add(e.Message);
        }

        // :: I4 with echo: walk the thread.
        var messages = await QueueApi.ListAllAsync(http, $"threads/{threadId}/messages");
        var pending = new List<string>();
        var answered = new List<string>();
        var replyRuns = new List<string?>();
        var empty = 0;
        foreach (var message in messages)
        {
            if (QueueApi.Role(message) == "user")
            {
                pending.Add(QueueApi.Text(message));
                continue;
            }

            var expected = string.Join("\n", pending);
            if (QueueApi.Text(message) != expected || QueueApi.Status(message) != "completed")
            {
                problems.Add($"assistant message {QueueApi.Id(message)} of run {message["run_id"]} says '{QueueApi.Text(message)}' ({QueueApi.Status(message)}); " +
                             $"expected '{expected}', the user messages since the previous reply");
            }

            empty += pending.Count == 0 ? 1 : 0;
            answered.AddRange(pending);
            pending.Clear();
            replyRuns.Add((string?)message["run_id"]);
        }

        var thread = string.Join(" | ", messages.Select(m => $"{QueueApi.Role(m)}: {QueueApi.Text(m).Replace("\n", "\\n", StringComparison.Ordinal)}"));
        if (pending.Count > 0)
        {
            problems.Add($"unanswered user messages at the end of the thread: {thread}");
        }

        var sent = Enumerable.Range(0, ClientsPerUser).Select(k => UserBurst.TextOf(user, k)).Order().ToList();
        if (!answered.Order().SequenceEqual(sent))
        {
            problems.Add($"answered {string.Join(", ", answered)}; expected each of {string.Join(", ", sent)} exactly once: {thread}");
        }

        // I4, first half, on the wall clock: a message acknowledged before a run started is in what
        // that run saw, so it sits before the run's reply (answered by it or by an earlier run).
        var index = messages.Select((m, i) => (Id: QueueApi.Id(m), i)).ToDictionary(p => p.Id, p => p.i);
        foreach (var row in rows.Where(r => r.StartedAtMs is not null))
        {
            var replyAt = messages.FindIndex(m => (string?)m["run_id"] == row.Id);
            if (replyAt < 0)
            {
                continue; // reported below
            }

            foreach (var call in calls.Where(c => c.MessageAcknowledgedUnixMs < row.StartedAtMs && index.TryGetValue(c.MessageId!, out var at) && at > replyAt))
            {
                problems.Add($"message '{call.Text}' was acknowledged at {call.MessageAcknowledgedUnixMs}, before run {row.Id} started at {row.StartedAtMs}, " +
                             $"yet it comes after that run's reply: {thread}");
            }
        }

        var startOrder = rows.Where(r => r.StartedAtMs is not null).OrderBy(r => r.StartedAtMs).Select(r => r.Id).ToList();
        if (!replyRuns.SequenceEqual(startOrder))
        {
            problems.Add($"replies in the thread come from runs {string.Join(", ", replyRuns)}; expected one per run in start order {string.Join(", ", startOrder)}: {thread}");
        }

        return (problems, empty);
    }
}
