using System.Diagnostics;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// What a debounced <see cref="UserBurst"/> must have left once its runs ended, whichever nodes its
/// clients spoke to: each user's thread (the one given, or the one external id <c>user-N</c> names) holds
/// exactly one run, made by one call and joined by the others, whose reply answers every message.
/// </summary>
internal static class DebouncedBurstCheck
{
    /// <summary>Sends the burst, which must be answered in full, waits for its runs to end and checks them.</summary>
    public static async Task RunAndAssertAsync(UserBurst burst, HttpClient reader, IReadOnlyList<string>? threads, ITestOutputHelper output, Func<string> logs)
    {
        var clock = Stopwatch.StartNew();
        await burst.RunAsync();
        output.WriteLine(burst.Describe());

        Assert.True(burst.Errors.IsEmpty, $"{burst.Errors.Count} failed calls:\n{string.Join("\n", burst.Errors.Take(20))}\n{logs()}");
        Assert.Equal(burst.Users * burst.ClientsPerUser, burst.Calls.Count);

        await RunTable.WaitUntilAllTerminalAsync(reader, burst.Users, TimeSpan.FromSeconds(60));
        output.WriteLine($"burst sent and every run ended after {clock.ElapsedMilliseconds} ms");

        await AssertEachUserGotOneRunAsync(reader, burst, threads);
    }

    public static async Task AssertEachUserGotOneRunAsync(HttpClient http, UserBurst burst, IReadOnlyList<string>? threads)
    {
        // One thread per user: the one made beforehand, or the one its external id names.
        var userThreads = new string[burst.Users];
        await QueueApi.ForEachAsync(Enumerable.Range(0, burst.Users), 8, async u =>
        {
            var found = await QueueApi.ListAllAsync(http, $"threads?external_id=user-{u}");
            userThreads[u] = QueueApi.Id(Assert.Single(found));
        });
        if (threads is not null)
        {
            Assert.Equal(threads, userThreads);
        }

        var failures = new List<string>();
        await QueueApi.ForEachAsync(Enumerable.Range(0, burst.Users), 8, async u =>
        {
            var calls = burst.Calls.Where(c => c.User == u).ToList();
            var problems = calls.Any(c => c.ThreadId != userThreads[u])
                ? [$"runs answered on threads {string.Join(", ", calls.Select(c => c.ThreadId))}, not all on {userThreads[u]}"]
                : await CheckUserAsync(http, u, userThreads[u], calls, burst.ClientsPerUser);
            lock (failures)
            {
                failures.AddRange(problems.Select(p => $"user-{u} ({userThreads[u]}): {p}"));
            }
        });
        Assert.True(failures.Count == 0, $"{failures.Count} problems:\n{string.Join("\n", failures.Take(30))}");
    }

    private static async Task<List<string>> CheckUserAsync(HttpClient http, int user, string threadId, List<BurstCall> calls, int clientsPerUser)
    {
        var problems = new List<string>();

        // :: One run for all the calls: all answered with its id, exactly one of them made it.
        var runIds = calls.Select(c => c.RunId).Distinct().ToList();
        if (runIds.Count != 1)
        {
            problems.Add($"the {calls.Count} create-run calls answered {runIds.Count} different runs: {string.Join(", ", runIds)}");
        }

        var made = calls.Count(c => c.Joined == false);
        var joined = calls.Count(c => c.Joined == true);
        if (made != 1 || joined != clientsPerUser - 1)
        {
            problems.Add($"joined flags: {made} false, {joined} true (expected 1 false, {clientsPerUser - 1} true): " +
                         string.Join(", ", calls.Select(c => $"client {c.Client}: {c.Joined?.ToString() ?? "absent"}")));
        }

        foreach (var call in calls.Where(c => !string.Equals(c.JoinedHeader, c.Joined?.ToString(), StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add($"client {call.Client}: header Threadline-Run-Joined '{call.JoinedHeader}' disagrees with body joined {call.Joined}");
        }

        // :: The thread's runs: exactly that one, completed.
        var runs = await QueueApi.ListAllAsync(http, $"threads/{threadId}/runs");
        if (runs.Count != 1)
        {
            var rows = runs.Select(RunRow.From).ToList();
            var origin = calls.Min(c => c.SentUnixMs);
            var timeline = string.Join("\n    ", calls.OrderBy(c => c.SentUnixMs).Select(c => c.Timeline(origin)));
            var server = string.Join("\n    ", rows.Select(r => $"{r.Id} {r.Status}: made +{r.CreatedAtMs - origin}, started +{r.StartedAtMs - origin}, ended +{r.EndedAtMs - origin}"));
            problems.Add($"{runs.Count} runs on the thread (ms after the first send, one clock):\n    {timeline}\n    {server}");
            return problems;
        }

        var run = runs[0];
        if (QueueApi.Id(run) != runIds[0] || QueueApi.Status(run) != "completed")
        {
            problems.Add($"run {QueueApi.Id(run)} is {QueueApi.Status(run)} (expected {runIds[0]} completed): {run.ToJsonString()}");
        }

        // :: Every client's user message, then the assistant's; the reply echoes them all in thread order.
        var messages = await QueueApi.ListAllAsync(http, $"threads/{threadId}/messages");
        var roles = messages.Select(QueueApi.Role).ToList();
        if (!roles.SequenceEqual([.. Enumerable.Repeat("user", clientsPerUser), "assistant"]))
        {
            problems.Add($"thread reads {string.Join(", ", roles)}: {string.Join(" | ", messages.Select(QueueApi.Text))}");
            return problems;
        }

        var userTexts = messages.Take(clientsPerUser).Select(QueueApi.Text).ToList();
        var sent = Enumerable.Range(0, clientsPerUser).Select(k => UserBurst.TextOf(user, k)).ToHashSet();
        if (!userTexts.ToHashSet().SetEquals(sent))
        {
            problems.Add($"user messages {string.Join(" | ", userTexts)} are not the {clientsPerUser} sent");
        }

        var reply = messages[clientsPerUser];
        var expected = string.Join("\n", userTexts);
        if (QueueApi.Text(reply) != expected || (string?)reply["run_id"] != runIds[0] || QueueApi.Status(reply) != "completed")
        {
            problems.Add($"reply {reply.ToJsonString()} (expected text '{expected}' from run {runIds[0]})");
        }

        return problems;
    }
}
