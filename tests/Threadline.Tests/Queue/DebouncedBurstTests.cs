using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// The issue's burst: 100 users each send 3 messages within 300 ms through 3 independent clients,
/// each client posting its message and then a run with <c>debounce_ms</c> 1000. Every user must get
/// exactly one run, made by exactly one of the three calls, whose reply answers all three messages.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class DebouncedBurstTests(ITestOutputHelper output)
{
    private const int Users = 100;
    private const int ClientsPerUser = 3;

    [Fact]
    public async Task Each_users_burst_folds_into_one_run_that_answers_every_message()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var setup = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);
        var threads = new string[Users];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Users), 8, async u =>
            threads[u] = await QueueApi.CreateThreadAsync(setup, new JsonObject { ["external_id"] = $"user-{u}" }));

        await RunBurstAsync(server, setup, assistantId, threads);
    }

    /// <summary>
    /// The same burst from fully stateless handlers: each client makes a single create-thread-and-run
    /// call that finds or makes the user's thread by external id and adds its message.
    /// </summary>
    [Fact]
    public async Task Each_users_burst_through_create_thread_and_run_by_external_id_folds_into_one_run()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var setup = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);

        await RunBurstAsync(server, setup, assistantId, threads: null);
    }

    private async Task RunBurstAsync(ThreadlineServer server, HttpClient setup, string assistantId, string[]? threads)
    {
        var burst = new UserBurst
        {
            Server = server,
            AssistantId = assistantId,
            Users = Users,
            ThreadIds = threads,
            ClientsPerUser = ClientsPerUser,
            RunBody = () => new JsonObject { ["debounce_ms"] = 1000 },
        };
        var clock = Stopwatch.StartNew();
        await burst.RunAsync();
        output.WriteLine(burst.Describe());

        Assert.True(burst.Errors.IsEmpty, $"{burst.Errors.Count} failed calls:\n{string.Join("\n", burst.Errors.Take(20))}\n{server.FormatLog(50)}");
        Assert.Equal(Users * ClientsPerUser, burst.Calls.Count);

        await RunTable.WaitUntilAllTerminalAsync(setup, Users, TimeSpan.FromSeconds(60));
        output.WriteLine($"burst sent and every run ended after {clock.ElapsedMilliseconds} ms");

        // One thread per user: the one made beforehand, or the one its external id names.
        var userThreads = new string[Users];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Users), 8, async u =>
        {
            var found = await QueueApi.ListAllAsync(setup, $"threads?external_id=user-{u}");
            userThreads[u] = QueueApi.Id(Assert.Single(found));
        });
        if (threads is not null)
        {
            Assert.Equal(threads, userThreads);
        }

        var failures = new List<string>();
        await QueueApi.ForEachAsync(Enumerable.Range(0, Users), 8, async u =>
        {
            var calls = burst.Calls.Where(c => c.User == u).ToList();
            var problems = calls.Any(c => c.ThreadId != userThreads[u])
                ? [$"runs answered on threads {string.Join(", ", calls.Select(c => c.ThreadId))}, not all on {userThreads[u]}"]
                : await CheckUserAsync(setup, u, userThreads[u], calls);
            lock (failures)
            {
                failures.AddRange(problems.Select(p => $"user-{u} ({userThreads[u]}): {p}"));
            }
        });
        Assert.True(failures.Count == 0, $"{failures.Count} problems:\n{string.Join("\n", failures.Take(30))}");
    }

    private static async Task<List<string>> CheckUserAsync(HttpClient http, int user, string threadId, List<BurstCall> calls)
    {
        var problems = new List<string>();

        // :: One run for the three calls: all answered with its id, exactly one of them made it.
        var runIds = calls.Select(c => c.RunId).Distinct().ToList();
        if (runIds.Count != 1)
        {
            problems.Add($"the 3 create-run calls answered {runIds.Count} different runs: {string.Join(", ", runIds)}");
        }

        var made = calls.Count(c => c.Joined == false);
        var joined = calls.Count(c => c.Joined == true);
        if (made != 1 || joined != ClientsPerUser - 1)
        {
            problems.Add($"joined flags: {made} false, {joined} true (expected 1 false, {ClientsPerUser - 1} true): " +
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

        // :: user, user, user, assistant; the reply echoes all three in thread order.
        var messages = await QueueApi.ListAllAsync(http, $"threads/{threadId}/messages");
        var roles = messages.Select(QueueApi.Role).ToList();
        if (!roles.SequenceEqual(["user", "user", "user", "assistant"]))
        {
            problems.Add($"thread reads {string.Join(", ", roles)}: {string.Join(" | ", messages.Select(QueueApi.Text))}");
            return problems;
        }

        var userTexts = messages.Take(3).Select(QueueApi.Text).ToList();
        var sent = Enumerable.Range(0, ClientsPerUser).Select(k => UserBurst.TextOf(user, k)).ToHashSet();
        if (!userTexts.ToHashSet().SetEquals(sent))
        {
            problems.Add($"user messages {string.Join(" | ", userTexts)} are not the 3 sent");
        }

        var reply = messages[3];
        var expected = string.Join("\n", userTexts);
        if (QueueApi.Text(reply) != expected || (string?)reply["run_id"] != runIds[0] || QueueApi.Status(reply) != "completed")
        {
            problems.Add($"reply {reply.ToJsonString()} (expected text '{expected}' from run {runIds[0]})");
        }

        return problems;
    }
}
