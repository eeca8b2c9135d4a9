using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.Queue;

/// <summary>What one simulated front end (one client of one user) sent and was answered, with wall-clock times (unix ms, the server's clock too).</summary>
internal sealed record BurstCall(int User, int Client, string Text, string? MessageId, string? RunId, string? ThreadId, bool? Joined, string? JoinedHeader,
    long SentUnixMs, long MessageAcknowledgedUnixMs, long RunSentUnixMs, long AcknowledgedUnixMs)
{
    public string Timeline(long origin) =>
        $"client {Client}: sent +{SentUnixMs - origin}, message acknowledged +{MessageAcknowledgedUnixMs - origin}, " +
        $"run asked +{RunSentUnixMs - origin}, answered +{AcknowledgedUnixMs - origin} ({RunId}, joined {Joined})";
}

/// <summary>
/// The chat-bot scenario: many users, each sending a burst of messages through as many independent
/// clients (own <see cref="HttpClient"/> and connections each); every client posts its message to the
/// user's thread, then asks for a run, as a stateless webhook handler would.
/// </summary>
internal sealed class UserBurst
{
    /// <summary>The server every client talks to, unless <see cref="ClientFor"/> says otherwise.</summary>
    public ThreadlineServer? Server { get; init; }

    /// <summary>
    /// Makes client number <c>user * ClientsPerUser + k</c>, each its own <see cref="HttpClient"/>: a
    /// client of another node of the database, or one that fails over between nodes. Default: one of
    /// <see cref="Server"/>.
    /// </summary>
    public Func<int, HttpClient>? ClientFor { get; init; }

    /// <summary>Whether one call of each kind goes first, on a thread of its own (see <see cref="WarmUpAsync"/>). Default true.</summary>
    public bool WarmUp { get; init; } = true;
    public required string AssistantId { get; init; }
    public required int Users { get; init; }

    /// <summary>
    /// The users' threads, made beforehand; each client posts its message, then a run. Null: each
    /// client makes one create-thread-and-run call instead, finding or making the user's thread by
    /// external id <c>user-N</c> and adding its message in the same call.
    /// </summary>
    public IReadOnlyList<string>? ThreadIds { get; init; }

    public int ClientsPerUser { get; init; } = 3;

    /// <summary>Delay between the starts of one user's clients; 100 ms puts a burst of 3 within 300 ms.</summary>
    public TimeSpan Spacing { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Extra fields of each create-run body (e.g. <c>debounce_ms</c>).</summary>
    public Func<JsonObject> RunBody { get; init; } = () => new JsonObject();

    public ConcurrentBag<BurstCall> Calls { get; } = [];

    /// <summary>Every message answered 2xx (thread, message id), whatever became of its client's run call.</summary>
    public ConcurrentBag<(string Thread, string Message)> AcknowledgedMessages { get; } = [];
    public ConcurrentBag<string> Errors { get; } = [];

    public static string TextOf(int user, int client) => $"user-{user} message {client}";

    public async Task RunAsync()
    {
        var users = Users;
        var clientFor = ClientFor ?? (_ => QueueApi.NewClient(Server ?? throw new InvalidOperationException("a burst needs a Server or ClientFor")));
        var clients = Enumerable.Range(0, users * ClientsPerUser).Select(clientFor).ToArray();
        try
        {
            // Open every connection first, so the burst measures the server, not TCP set-up.
            await QueueApi.ForEachAsync(clients, 32, async c => await QueueApi.GetAsync(c, "assistants?limit=1"));

            if (WarmUp)
            {
                await WarmUpAsync(clients[0]);
            }

            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var tasks = new List<Task>();
            for (var user = 0; user < users; user++)
            {
                for (var k = 0; k < ClientsPerUser; k++)
                {
                    var (u, client, http) = (user, k, clients[user * ClientsPerUser + k]);
                    tasks.Add(Task.Run(async () =>
                    {
                        await gate.Task;
                        if (client > 0)
                        {
                            await Task.Delay(Spacing * client);
                        }

                        await SendAsync(http, u, client);
                    }));
                }
            }

            gate.SetResult();
            await Task.WhenAll(tasks);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private async Task SendAsync(HttpClient http, int user, int client)
    {
        var text = TextOf(user, client);
        var sent = Now();
        try
        {
            var body = RunBody();
            body["assistant_id"] = AssistantId;
            string? messageId = null;
            long messageAcknowledged, runSent;
            ApiResponse run;
            if (ThreadIds is null)
            {
                body["thread"] = new JsonObject { ["external_id"] = $"user-{user}", ["messages"] = new JsonArray(QueueApi.UserMessage(text)) };
                runSent = sent;
                run = await QueueApi.PostAsync(http, "threads/runs", body);
                messageAcknowledged = Now();
            }
            else
            {
                var message = await QueueApi.AddMessageAsync(http, ThreadIds[user], text);
                messageAcknowledged = Now();
                if (!message.IsSuccess())
                {
                    Errors.Add(message.Summary());
                    return;
                }

                messageId = QueueApi.Id(message.AssertOk());
                AcknowledgedMessages.Add((ThreadIds[user], messageId));
                runSent = Now();
                run = await QueueApi.CreateRunAsync(http, ThreadIds[user], body);
            }

            var acknowledged = Now();
            if (!run.IsSuccess())
            {
                Errors.Add(run.Summary());
                return;
            }

            var json = run.AssertOk();
            Calls.Add(new BurstCall(user, client, text, messageId, QueueApi.Id(json), (string?)json["thread_id"],
                json["joined"]?.GetValue<bool>(), run.Header("Threadline-Run-Joined"), sent, messageAcknowledged, runSent, acknowledged));
        }
        catch (Exception e)
        {
            Errors.Add($"user {user} client {client}: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// One call of each kind the burst makes, on a thread of its own, so that the burst measures the
    /// server's steady state rather than its first-use costs (JIT, query compilation).
    /// </summary>
    private async Task WarmUpAsync(HttpClient http)
    {
        var body = RunBody();
        body["assistant_id"] = AssistantId;
        if (ThreadIds is null)
        {
            body["thread"] = new JsonObject { ["external_id"] = "warm-up", ["messages"] = new JsonArray(QueueApi.UserMessage("warm-up")) };
            (await QueueApi.PostAsync(http, "threads/runs", body)).AssertOk();
        }
        else
        {
            var thread = await QueueApi.CreateThreadAsync(http);
            (await QueueApi.AddMessageAsync(http, thread, "warm-up")).AssertOk();
            (await QueueApi.CreateRunAsync(http, thread, body)).AssertOk();
        }
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Latency and spread figures for the test output.</summary>
    public string Describe()
    {
        var latencies = Calls.Select(c => c.AcknowledgedUnixMs - c.SentUnixMs).Order().ToList();
        if (latencies.Count == 0)
        {
            return "no call succeeded";
        }

        var spreads = Calls.GroupBy(c => c.User).Select(g => g.Max(c => c.AcknowledgedUnixMs) - g.Min(c => c.SentUnixMs)).Order().ToList();
        return $"{Calls.Count} client calls ({(ThreadIds is null ? "create thread and run" : "message, then run")}); latency per client p50 {latencies[latencies.Count / 2]} ms, " +
               $"p99 {latencies[(int)(latencies.Count * 0.99)]} ms, max {latencies[^1]} ms; " +
               $"burst span per user (first send to last ack) p50 {spreads[spreads.Count / 2]} ms, max {spreads[^1]} ms";
    }
}
