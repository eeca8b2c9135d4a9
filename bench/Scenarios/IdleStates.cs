using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Scenarios;

/// <summary>A server put into one idle state, and how to tell (before and after the measured window) that it is still in it.</summary>
/// <param name="Describe">What holds now: "10 runs queued", "delivery pending after 4 attempts".</param>
/// <param name="Keep">Held until the state has been measured (the port nobody listens on).</param>
internal sealed record IdleSetup(Func<CancellationToken, Task<string>> Describe, IDisposable? Keep = null);

/// <summary>One of the idle scenario's states: its name, the server settings it needs and how to reach it.</summary>
internal sealed record IdleState(string Name, string How, IReadOnlyList<string> Settings, Func<HttpClient, ServerDatabase, CancellationToken, Task<IdleSetup>> SetUpAsync);

/// <summary>The states an idle server must cost nothing in (DESIGN: "every background loop sleeps until its next deadline or a signal").</summary>
internal static class IdleStates
{
    private const int Waiting = 10;

    public static IReadOnlyList<IdleState> All(double settleSeconds, double windowSeconds) =>
    [
        new("fresh", "started on an empty data directory; nothing sent", [], (_, _, _) => Task.FromResult(new IdleSetup(_ => Task.FromResult("nothing sent")))),
        new("after work", $"{Waiting * 2} streamed runs (model `echo`) and {Waiting * 2} messages, every run ended", [], AfterWorkAsync),
        new("webhook retrying", "a webhook endpoint at a loopback port nobody listens on (bound, not listening: refused at once), and a run whose `thread.run.completed` delivery retries every second",
            RetryEverySecond(settleSeconds + windowSeconds + 30), WebhookRetryingAsync),
        new("debounced runs waiting", $"{Waiting} threads each with a run made with `debounce_ms` and `max_wait_ms` 600000, still queued", [], DebouncedAsync),
        new("runs in requires_action", $"{Waiting} runs (model `echo`, function tool `lookup`, last message `call:lookup {{}}`) waiting for tool outputs", [], RequiresActionAsync),
    ];

    /// <summary>A retry schedule of one-second waits, long enough to keep a delivery retrying through the window.</summary>
    private static List<string> RetryEverySecond(double seconds) =>
        Enumerable.Range(0, (int)Math.Ceiling(seconds)).Select(i => $"--Threadline:Webhooks:RetrySchedule:{i}=00:00:01").ToList();

    private static async Task<IdleSetup> AfterWorkAsync(HttpClient api, ServerDatabase db, CancellationToken ct)
    {
        var assistant = await BenchContext.CreateAssistantAsync(api, "echo", ct);
        for (var i = 0; i < Waiting * 2; i++)
        {
            var outcome = await EventStream.PostAsync(api, "threads/runs", CreateAndRun(assistant, $"work {i}", stream: true), EventStream.ThreadlineRun("done"), ct);
            if (outcome is null)
                throw new InvalidOperationException("A streamed echo run did not complete.");
        }
        var threads = await db.RowsAsync("SELECT id FROM threads", ct);
        foreach (var thread in threads)
            await Http.PostAsync(api, $"threads/{thread[0]}/messages", new JsonObject { ["role"] = "user", ["content"] = "one more" }, ct);
        return new IdleSetup(async ct => $"{await db.ScalarAsync<long>("SELECT count(*) FROM runs WHERE status = 'completed'", ct)} runs completed, " +
            $"{await db.ScalarAsync<long>("SELECT count(*) FROM messages", ct)} messages");
    }

    private static async Task<IdleSetup> WebhookRetryingAsync(HttpClient api, ServerDatabase db, CancellationToken ct)
    {
        // Bound but not listening: connections to it are refused, and no other process can take the port.
        var nobody = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        nobody.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)nobody.LocalEndPoint!).Port;
        var endpoint = (string)(await Http.PostAsync(api, "webhook_endpoints", new JsonObject
        {
            ["url"] = $"http://127.0.0.1:{port}/hook",
            ["events"] = new JsonArray("thread.run.completed"),
        }, ct))["id"]!;
        var assistant = await BenchContext.CreateAssistantAsync(api, "echo", ct);
        if (await EventStream.PostAsync(api, "threads/runs", CreateAndRun(assistant, "hello", stream: true), EventStream.ThreadlineRun("done"), ct) is null)
            throw new InvalidOperationException("The run meant to emit a webhook did not complete.");

        async Task<string> DescribeAsync(CancellationToken ct)
        {
            var deliveries = (await Http.GetAsync(api, $"webhook_endpoints/{endpoint}/deliveries", ct))["data"]!.AsArray();
            return string.Join("; ", deliveries.Select(d => $"{d!["status"]} after {d["attempts"]} attempts"));
        }

        // Wait for the first failed attempt, so the window sees retries and not the first try.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var deliveries = (await Http.GetAsync(api, $"webhook_endpoints/{endpoint}/deliveries", ct))["data"]!.AsArray();
            if (deliveries.Any(d => (int)d!["attempts"]! >= 1))
                return new IdleSetup(DescribeAsync, nobody);
            await Task.Delay(100, ct);
        }
        nobody.Dispose();
        throw new InvalidOperationException("No webhook delivery was attempted within 15 s of the run's end.");
    }

    private static async Task<IdleSetup> DebouncedAsync(HttpClient api, ServerDatabase db, CancellationToken ct)
    {
        var assistant = await BenchContext.CreateAssistantAsync(api, "echo", ct);
        for (var i = 0; i < Waiting; i++)
        {
            var body = CreateAndRun(assistant, $"burst {i}", stream: false);
            body["debounce_ms"] = 600_000;
            body["max_wait_ms"] = 600_000;
            await Http.PostAsync(api, "threads/runs", body, ct);
        }
        return new IdleSetup(async ct => $"{await db.ScalarAsync<long>("SELECT count(*) FROM runs WHERE status = 'queued'", ct)} of {Waiting} runs queued");
    }

    private static async Task<IdleSetup> RequiresActionAsync(HttpClient api, ServerDatabase db, CancellationToken ct)
    {
        var assistant = (string)(await Http.PostAsync(api, "assistants", new JsonObject
        {
            ["model"] = "echo",
            ["name"] = "bench",
            ["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "lookup", ["parameters"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() } },
            }),
        }, ct))["id"]!;
        for (var i = 0; i < Waiting; i++)
            await Http.PostAsync(api, "threads/runs", CreateAndRun(assistant, "call:lookup {}", stream: false), ct);
        const string count = "SELECT count(*) FROM runs WHERE status = 'requires_action'";
        var reached = await db.WaitForCountAsync(count, Waiting, TimeSpan.FromSeconds(15), ct);
        if (reached < Waiting)
            throw new InvalidOperationException($"Only {reached} of {Waiting} runs reached requires_action within 15 s.");
        return new IdleSetup(async ct => $"{await db.ScalarAsync<long>(count, ct)} of {Waiting} runs in requires_action");
    }

    private static JsonObject CreateAndRun(string assistant, string message, bool stream) => new()
    {
        ["assistant_id"] = assistant,
        ["thread"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = message }) },
        ["stream"] = stream,
    };
}
