using System.Net;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// Retried deliveries: the same POST with the same <c>Idempotency-Key</c>, sent 10 times at once from
/// independent clients and then again one after another, makes one object. Concurrent copies answer
/// either the first response (200, same body) or 409 while it is in flight; a different body with
/// the key answers 422; keys are scoped by path, so the same key on another thread is a new request.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class IdempotentRetriesTests(SharedServerFixture fixture, ITestOutputHelper output)
{
    private const int Parallel = 10;

    private ThreadlineServer Server => fixture.Server;

    [Fact]
    public async Task Create_thread_retried_concurrently_and_sequentially_makes_one_thread()
    {
        var tag = Guid.NewGuid().ToString("N");
        var key = "thread-" + tag;
        var body = new JsonObject { ["metadata"] = new JsonObject { ["tag"] = tag } };

        var first = await AssertOneObjectAsync("threads", body, key);

        using var http = QueueApi.NewClient(Server);
        var threads = await QueueApi.ListAllAsync(http, $"threads?metadata[tag]={tag}");
        Assert.Equal([first], threads.Select(QueueApi.Id));

        var other = await QueueApi.PostAsync(http, "threads", new JsonObject { ["metadata"] = new JsonObject { ["tag"] = tag, ["x"] = "y" } }, key);
        other.AssertError(422);
        Assert.Single(await QueueApi.ListAllAsync(http, $"threads?metadata[tag]={tag}"));
    }

    [Fact]
    public async Task Create_message_retried_concurrently_and_sequentially_makes_one_message_per_thread()
    {
        using var http = QueueApi.NewClient(Server);
        var thread = await QueueApi.CreateThreadAsync(http);
        var otherThread = await QueueApi.CreateThreadAsync(http);
        var key = "message-" + Guid.NewGuid().ToString("N");
        var body = QueueApi.UserMessage("delivered once");

        var first = await AssertOneObjectAsync($"threads/{thread}/messages", body, key);
        Assert.Equal([first], (await QueueApi.ListAllAsync(http, $"threads/{thread}/messages")).Select(QueueApi.Id));

        var other = await QueueApi.PostAsync(http, $"threads/{thread}/messages", QueueApi.UserMessage("another text"), key);
        other.AssertError(422);
        Assert.Single(await QueueApi.ListAllAsync(http, $"threads/{thread}/messages"));

        // The key is scoped to the operation's path: on another thread it is a new request.
        var elsewhere = await AssertOneObjectAsync($"threads/{otherThread}/messages", body, key);
        Assert.NotEqual(first, elsewhere);
        Assert.Equal([elsewhere], (await QueueApi.ListAllAsync(http, $"threads/{otherThread}/messages")).Select(QueueApi.Id));
        Assert.Equal([first], (await QueueApi.ListAllAsync(http, $"threads/{thread}/messages")).Select(QueueApi.Id));
    }

    [Fact]
    public async Task Create_run_retried_concurrently_and_sequentially_makes_one_run_per_thread()
    {
        using var http = QueueApi.NewClient(Server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http, new JsonObject { ["messages"] = new JsonArray(QueueApi.UserMessage("hello")) });
        var otherThread = await QueueApi.CreateThreadAsync(http, new JsonObject { ["messages"] = new JsonArray(QueueApi.UserMessage("hello")) });
        var key = "run-" + Guid.NewGuid().ToString("N");
        var body = QueueApi.RunBody(assistant);

        var first = await AssertOneObjectAsync($"threads/{thread}/runs", body, key);
        Assert.Equal([first], (await QueueApi.ListAllAsync(http, $"threads/{thread}/runs")).Select(QueueApi.Id));

        var other = await QueueApi.PostAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, model: "echo:1"), key);
        other.AssertError(422);

        var elsewhere = await AssertOneObjectAsync($"threads/{otherThread}/runs", body, key);
        Assert.NotEqual(first, elsewhere);
        Assert.Equal([elsewhere], (await QueueApi.ListAllAsync(http, $"threads/{otherThread}/runs")).Select(QueueApi.Id));

        // One run, one reply: the retries did not run the assistant again.
        await QueueApi.WaitForTerminalAsync(http, thread, first, TimeSpan.FromSeconds(10));
        Assert.Single(await QueueApi.ListAllAsync(http, $"threads/{thread}/runs"));
        var messages = await QueueApi.ListAllAsync(http, $"threads/{thread}/messages");
        Assert.Equal(["user", "assistant"], messages.Select(QueueApi.Role));
    }

    /// <summary>
    /// 10 concurrent copies, then 3 sequential ones: only 200 (one id, byte-identical bodies) or 409,
    /// at least one 200, and every sequential retry a replay. Returns the object's id.
    /// </summary>
    private async Task<string> AssertOneObjectAsync(string path, JsonObject body, string key)
    {
        var clients = Enumerable.Range(0, Parallel).Select(_ => QueueApi.NewClient(Server)).ToList();
        try
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sends = clients.Select(c => Task.Run(async () =>
            {
                await gate.Task;
                return await QueueApi.PostAsync(c, path, body.DeepClone(), key);
            })).ToList();
            gate.SetResult();
            var concurrent = await Task.WhenAll(sends);

            var unexpected = concurrent.Where(r => r.Status is not (HttpStatusCode.OK or HttpStatusCode.Conflict)).ToList();
            Assert.True(unexpected.Count == 0, "concurrent copies may answer only 200 or 409:\n" + string.Join("\n", unexpected.Select(r => r.Summary())));
            var ok = concurrent.Where(r => r.Status == HttpStatusCode.OK).ToList();
            Assert.True(ok.Count >= 1, "no concurrent copy answered 200:\n" + string.Join("\n", concurrent.Select(r => r.Summary())));
            foreach (var conflict in concurrent.Where(r => r.Status == HttpStatusCode.Conflict))
            {
                conflict.AssertError(409);
            }

            output.WriteLine($"POST {path}: {Parallel} concurrent copies answered {ok.Count} x 200, {Parallel - ok.Count} x 409");
            var reference = ok[0].Text;
            Assert.All(ok, r => Assert.Equal(reference, r.Text));
            Assert.Equal(1, ok.Count(r => r.Header("Idempotent-Replayed") is null));

            for (var i = 0; i < 3; i++)
            {
                var retry = await QueueApi.PostAsync(clients[i], path, body.DeepClone(), key);
                Assert.True(retry.Status == HttpStatusCode.OK, retry.Summary());
                Assert.Equal(reference, retry.Text);
                Assert.Equal("true", retry.Header("Idempotent-Replayed"));
            }

            return QueueApi.Id(JsonNode.Parse(reference)!.AsObject());
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}
