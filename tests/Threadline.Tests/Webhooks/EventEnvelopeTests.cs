using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// What a receiver gets: the envelope <c>{id:"evt_...", object:"event", type, created_at, data}</c>;
/// for <c>thread.run.completed</c> the run and the messages it wrote (so the receiver can answer its
/// user without calling back); <c>thread.message.completed</c> with the reply; and only the event
/// types the endpoint subscribed to.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class EventEnvelopeTests(WebhookServerFixture server)
{
    [Fact]
    public async Task Run_completed_carries_the_run_and_its_reply_and_message_completed_carries_the_message()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url);
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var threadId = await WebhookApi.CreateThreadAsync(http);
            await WebhookApi.AddUserMessageAsync(http, threadId, "my order is missing");
            await WebhookApi.AddUserMessageAsync(http, threadId, "order 42");
            var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var runId = await WebhookApi.StartRunAsync(http, threadId, assistantId);
            await RunWaiter.UntilTerminalAsync(http, threadId, runId);
            var replies = (await http.GetOkAsync($"threads/{threadId}/messages?run_id={runId}"))["data"]!.AsArray();
            var reply = Assert.Single(replies)!.AsObject();
            const string expectedText = "my order is missing\norder 42";

            // :: thread.run.completed
            var completed = (await receiver.WaitForThreadAsync(threadId, "thread.run.completed")).Single();
            var body = completed.Json!;
            Assert.StartsWith("evt_", (string?)body["id"]);
            Assert.Equal(completed.WebhookId, (string?)body["id"]);
            Assert.Equal("event", (string?)body["object"]);
            Assert.Equal("thread.run.completed", (string?)body["type"]);
            var createdAt = body["created_at"]!.GetValue<long>();
            Assert.InRange(createdAt, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            var data = body["data"]!.AsObject();
            var run = data["run"]!.AsObject();
            SpecSchemas.AssertValid("RunObject", run);
            Assert.Equal(runId, (string?)run["id"]);
            Assert.Equal(threadId, (string?)run["thread_id"]);
            Assert.Equal("completed", (string?)run["status"]);
            Assert.NotNull(run["completed_at"]);
            var messages = data["messages"]!.AsArray();
            var message = Assert.Single(messages)!.AsObject();
            SpecSchemas.AssertValid("MessageObject", message);
            Assert.Equal((string?)reply["id"], (string?)message["id"]);
            Assert.Equal("assistant", (string?)message["role"]);
            Assert.Equal(runId, (string?)message["run_id"]);
            Assert.Equal("completed", (string?)message["status"]);
            Assert.Equal(expectedText, (string?)message["content"]![0]!["text"]!["value"]);

            // :: thread.message.completed: the reply itself, as an event of its own
            var messageEvent = (await receiver.WaitForThreadAsync(threadId, "thread.message.completed")).Single();
            var messageBody = messageEvent.Json!;
            Assert.StartsWith("evt_", (string?)messageBody["id"]);
            Assert.Equal(messageEvent.WebhookId, (string?)messageBody["id"]);
            Assert.NotEqual(completed.WebhookId, messageEvent.WebhookId);
            Assert.Equal("event", (string?)messageBody["object"]);
            Assert.NotNull(messageBody["created_at"]);
            var messageData = messageBody["data"]!.AsObject();
            SpecSchemas.AssertValid("MessageObject", messageData);
            Assert.Equal((string?)reply["id"], (string?)messageData["id"]);
            Assert.Equal("thread.message", (string?)messageData["object"]);
            Assert.Equal("completed", (string?)messageData["status"]);
            Assert.Equal(expectedText, (string?)messageData["content"]![0]!["text"]!["value"]);

            // Nothing else for this thread: one event of each, delivered once.
            Assert.Equal(2, receiver.ForThread(threadId).Count);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(endpoint));
        }
    }

    [Fact]
    public async Task An_endpoint_gets_only_the_event_types_it_subscribed_to()
    {
        await using var failedOnly = await WebhookReceiver.StartAsync();
        await using var completedOnly = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var failedEndpoint = await WebhookApi.CreateEndpointAsync(http, failedOnly.Url, "thread.run.failed");
        var completedEndpoint = await WebhookApi.CreateEndpointAsync(http, completedOnly.Url, "thread.run.completed");
        Assert.Equal(["thread.run.failed"], failedEndpoint["events"]!.AsArray().Select(e => (string?)e));
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var (threadId, runId) = await WebhookApi.CompletedRunAsync(http, assistantId, "filter me");

            // The endpoint that wants thread.run.completed gets it, and not thread.message.completed ...
            var got = (await completedOnly.WaitForThreadAsync(threadId, "thread.run.completed")).Single();
            Assert.Equal(runId, got.RunId);

            // ... and the one that wants thread.run.failed has nothing recorded for it, now or later.
            Assert.Empty(await WebhookApi.DeliveriesAsync(http, WebhookApi.Id(failedEndpoint)));
            Assert.Empty(failedOnly.ForThread(threadId));
            var deliveredToCompleted = await WebhookApi.WaitForDeliveryAsync(http, WebhookApi.Id(completedEndpoint),
                d => (string?)d["thread_id"] == threadId && (string?)d["status"] == "succeeded", "succeeded");
            Assert.Equal("thread.run.completed", (string?)deliveredToCompleted["event_type"]);
            Assert.DoesNotContain(completedOnly.ForThread(threadId), r => r.EventType != "thread.run.completed");

            // A run that fails (unknown model) is what the thread.run.failed endpoint hears about.
            var failingAssistant = await WebhookApi.CreateEchoAssistantAsync(http, model: "no-such-model");
            var failedThread = await WebhookApi.CreateThreadAsync(http);
            await WebhookApi.AddUserMessageAsync(http, failedThread, "fail me");
            var failedRun = await WebhookApi.StartRunAsync(http, failedThread, failingAssistant);
            var failed = (await failedOnly.WaitForThreadAsync(failedThread, "thread.run.failed")).Single();
            Assert.Equal(failedRun, failed.RunId);
            Assert.Equal("failed", (string?)failed.Json!["data"]!["run"]!["status"]);
            Assert.Empty(failedOnly.ForThread(threadId));
            Assert.Empty(completedOnly.ForThread(failedThread));
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(failedEndpoint));
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(completedEndpoint));
        }
    }
}
