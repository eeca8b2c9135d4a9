using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Threads;

/// <summary>Deleting a thread takes its messages, runs and run steps with it.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class ThreadDeletionTests(SharedServerFixture server)
{
    [Fact]
    public async Task EveryObjectOfADeletedThreadAnswers404AndIsGoneFromTheDatabase()
    {
        using var http = server.CreateHttpClient();
        var s = await Scenario.CompletedRunAsync(http, "to be deleted");
        var thread = s.ThreadId;

        var deleted = await http.DeleteRawAsync($"threads/{thread}");

        var body = deleted.AssertOk("DeleteThreadResponse");
        Assert.Equal(thread, (string?)body["id"]);
        Assert.Equal(true, (bool?)body["deleted"]);
        var gone = $"No thread found with id '{thread}'.";
        (await http.GetRawAsync($"threads/{thread}")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/messages")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/messages/{s.MessageId}")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/messages/{s.ReplyId}")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/runs")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/runs/{s.RunId}")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/runs/{s.RunId}/steps")).AssertError(404, gone);
        (await http.GetRawAsync($"threads/{thread}/runs/{s.RunId}/steps/{s.StepId}")).AssertError(404, gone);
        (await http.DeleteRawAsync($"threads/{thread}")).AssertError(404, gone);
        (await http.PostRawAsync($"threads/{thread}/messages", """{"role":"user","content":"late"}""")).AssertError(404, gone);
        (await http.PostRawAsync($"threads/{thread}/runs", $$"""{"assistant_id":"{{s.AssistantId}}"}""")).AssertError(404, gone);
        Assert.DoesNotContain(thread, (await ListWalker.ForwardAsync(http, "threads", "order=asc&limit=100", maxPages: 1000)).SelectMany(p => p));

        // Every route to the thread's messages, runs and steps goes through the thread, so the 404s above
        // hold whether their rows were erased or only cut off; that they were erased only the file shows.
        var data = server.Server.DataDirectory;
        Assert.Equal(0, await ServerDatabase.ScalarAsync(data, "SELECT count(*) FROM messages WHERE thread_id = @id", thread));
        Assert.Equal(0, await ServerDatabase.ScalarAsync(data, "SELECT count(*) FROM runs WHERE thread_id = @id", thread));
        Assert.Equal(0, await ServerDatabase.ScalarAsync(data, "SELECT count(*) FROM run_steps WHERE thread_id = @id", thread));
        Assert.Equal(0, await ServerDatabase.ScalarAsync(data, "SELECT count(*) FROM run_steps WHERE run_id = @id", s.RunId));
        // The assistant is not the thread's: it stays.
        (await http.GetRawAsync($"assistants/{s.AssistantId}")).AssertOk();
    }

    [Fact]
    public async Task DeletingAThreadWithAQueuedRunDropsTheRun()
    {
        using var http = server.CreateHttpClient();
        var assistant = (string)(await http.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;
        var thread = (string)(await http.PostOkAsync("threads", """{"messages":[{"role":"user","content":"x"}]}"""))["id"]!;
        var run = (string)(await http.PostOkAsync($"threads/{thread}/runs",
            $$"""{"assistant_id":"{{assistant}}","debounce_ms":600000,"max_wait_ms":600000}"""))["id"]!;

        (await http.DeleteRawAsync($"threads/{thread}")).AssertOk();

        (await http.GetRawAsync($"threads/{thread}/runs/{run}")).AssertError(404, $"No thread found with id '{thread}'.");
        // The API answers 404 by the thread; only the file shows that the queued run is gone too.
        Assert.Equal(0, await ServerDatabase.ScalarAsync(server.Server.DataDirectory, "SELECT count(*) FROM runs WHERE id = @id", run));
    }
}
