using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A response's end reaches webhooks as the hosted Responses API named it: <c>response.completed</c>
/// (and <c>.cancelled</c>), with the hosted <c>data.id</c> and, beside it, the response with its output,
/// signed like every delivery (checked by the npm <c>standardwebhooks</c> package); no Assistants
/// events for it.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class ResponseWebhookTests(WebhookServerFixture server)
{
    [Fact]
    public async Task A_completed_and_a_cancelled_response_each_send_their_response_event_with_the_response()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url);
        try
        {
            var conversation = (string)(await http.PostOkAsync("conversations", "{}"))["id"]!;
            var completed = await http.PostOkAsync("responses", new JsonObject
            {
                ["model"] = "echo", ["input"] = "where is my order?", ["conversation"] = conversation,
            }.ToJsonString());
            var slow = await http.PostOkAsync("responses", new JsonObject
            {
                ["model"] = "echo:5000", ["input"] = "never mind", ["conversation"] = conversation, ["background"] = true,
            }.ToJsonString());
            await http.PostOkAsync($"responses/{(string)slow["id"]!}/cancel", "{}");

            var done = (await receiver.WaitForAsync(r => r.EventType == "response.completed" && (string?)r.Json?["data"]?["id"] == (string?)completed["id"],
                what: "response.completed")).Single();
            var body = done.Json!.AsObject();
            Assert.StartsWith("evt_", (string?)body["id"]);
            Assert.Equal("event", (string?)body["object"]);
            var response = body["data"]!["response"]!;
            // (The response's shape is checked against the Responses spec by the Node suite, tests/compat/node/test/responses.test.mjs.)
            Assert.Equal("response", (string?)response["object"]);
            Assert.Equal((string?)completed["id"], (string?)response["id"]);
            Assert.Equal("completed", (string?)response["status"]);
            Assert.Equal(conversation, (string?)response["conversation"]!["id"]);
            Assert.Equal("where is my order?", (string?)response["output"]![0]!["content"]![0]!["text"]);

            var cancelled = (await receiver.WaitForAsync(r => r.EventType == "response.cancelled" && (string?)r.Json?["data"]?["id"] == (string?)slow["id"],
                what: "response.cancelled")).Single();
            Assert.Equal("cancelled", (string?)cancelled.Json!["data"]!["response"]!["status"]);

            await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(done, WebhookApi.Secret(endpoint)), VerificationInput.Of(cancelled, WebhookApi.Secret(endpoint))]);
            // The runs behind them send no thread.run.* or thread.message.* events.
            await receiver.WaitUntilQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(receiver.Received, r => r.EventType?.StartsWith("thread.", StringComparison.Ordinal) == true
                && (string?)r.Json?["data"]?["run"]?["thread_id"] == conversation);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(endpoint));
        }
    }
}
