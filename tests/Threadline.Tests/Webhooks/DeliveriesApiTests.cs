using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// <c>GET /v1/webhook_endpoints/{id}/deliveries</c> shows what was sent and how it went;
/// <c>POST .../deliveries/{delivery_id}/replay</c> sends an event again with the same
/// <c>webhook-id</c>; unknown ids answer 404 and invalid endpoints 400, in the OpenAI error envelope.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class DeliveriesApiTests(WebhookServerFixture server)
{
    private const string GoodUrl = "http://127.0.0.1:9/hooks";

    [Fact]
    public async Task Deliveries_are_listed_and_a_replay_sends_the_event_again_with_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed"));
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var (threadId, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "replay me");
            var sent = (await receiver.WaitForThreadAsync(threadId, "thread.run.completed")).Single();

            // :: The list
            var delivery = await WebhookApi.WaitForDeliveryAsync(http, endpointId, d => (string?)d["status"] == "succeeded", "succeeded");
            var list = await http.GetOkAsync($"webhook_endpoints/{endpointId}/deliveries");
            Assert.Equal("list", (string?)list["object"]);
            Assert.Equal([(string)delivery["id"]!], list.Ids());
            Assert.Equal((string?)delivery["id"], (string?)list["first_id"]);
            Assert.Equal((string?)delivery["id"], (string?)list["last_id"]);
            Assert.False((bool)list["has_more"]!);
            Assert.Equal("webhook_delivery", (string?)delivery["object"]);
            Assert.StartsWith("whd_", (string?)delivery["id"]);
            Assert.Equal(sent.WebhookId, (string?)delivery["event_id"]);
            Assert.Equal("thread.run.completed", (string?)delivery["event_type"]);
            Assert.Equal(endpointId, (string?)delivery["endpoint_id"]);
            Assert.Equal(threadId, (string?)delivery["thread_id"]);
            Assert.Equal(1, (int)delivery["attempts"]!);
            Assert.Equal(200, (int?)delivery["last_status_code"]);
            Assert.Null(delivery["last_error"]);
            Assert.Null(delivery["next_attempt_at"]); // nothing more to do
            Assert.NotNull(delivery["created_at"]);
            Assert.NotNull(delivery["delivered_at"]);

            // :: Replay: pending again, then the same event once more.
            var deliveryId = (string)delivery["id"]!;
            var replayed = await http.PostOkAsync($"webhook_endpoints/{endpointId}/deliveries/{deliveryId}/replay", "{}");
            Assert.Equal("webhook_delivery", (string?)replayed["object"]);
            Assert.Equal(deliveryId, (string?)replayed["id"]);
            Assert.Equal(sent.WebhookId, (string?)replayed["event_id"]);
            Assert.Equal("pending", (string?)replayed["status"]);

            var twice = await receiver.WaitForThreadAsync(threadId, "thread.run.completed", count: 2);
            Assert.Equal(2, twice.Count);
            Assert.Equal(sent.WebhookId, twice[1].WebhookId);
            Assert.Equal(sent.Body, twice[1].Body);
            // A replay starts a fresh retry schedule: its attempts count from zero again.
            var after = await WebhookApi.WaitForDeliveryAsync(http, endpointId, d => (int)d["attempts"]! == 1 && (string?)d["status"] == "succeeded", "succeeded again");
            Assert.Equal(deliveryId, (string?)after["id"]);
            Assert.Single(await WebhookApi.DeliveriesAsync(http, endpointId));
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    [Fact]
    public async Task A_replay_with_a_body_that_is_not_an_empty_object_answers_400()
    {
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri(GoodUrl), "thread.run.failed"));
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http, model: "no-such-model");
            var threadId = await WebhookApi.CreateThreadAsync(http);
            await WebhookApi.AddUserMessageAsync(http, threadId, "fail");
            await RunWaiter.UntilTerminalAsync(http, threadId, await WebhookApi.StartRunAsync(http, threadId, assistantId));
            var deliveryId = (string)(await WebhookApi.DeliveriesAsync(http, endpointId)).First(d => (string?)d["thread_id"] == threadId)["id"]!;
            var replay = $"webhook_endpoints/{endpointId}/deliveries/{deliveryId}/replay";

            (await http.PostRawAsync(replay, "{broken")).AssertError(400);
            (await http.PostRawAsync(replay, """{"force":true}""")).AssertError(400, param: "force");
            (await http.PostRawAsync(replay, "")).AssertOk();
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    [Fact]
    public async Task Unknown_endpoints_and_deliveries_answer_404()
    {
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri(GoodUrl), "thread.run.failed"));
        var otherId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri(GoodUrl), "thread.run.failed"));
        try
        {
            const string noEndpoint = "No webhook endpoint found with id 'we_missing'.";
            (await http.GetRawAsync("webhook_endpoints/we_missing")).AssertError(404, noEndpoint);
            (await http.PostRawAsync("webhook_endpoints/we_missing", """{"enabled":false}""")).AssertError(404, noEndpoint);
            (await http.DeleteRawAsync("webhook_endpoints/we_missing")).AssertError(404, noEndpoint);
            (await http.GetRawAsync("webhook_endpoints/we_missing/deliveries")).AssertError(404, noEndpoint);
            (await http.PostRawAsync("webhook_endpoints/we_missing/deliveries/whd_missing/replay", "{}")).AssertError(404, noEndpoint);
            (await http.PostRawAsync($"webhook_endpoints/{endpointId}/deliveries/whd_missing/replay", "{}"))
                .AssertError(404, "No webhook delivery found with id 'whd_missing'.");

            // A delivery of another endpoint is not found through this one.
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http, model: "no-such-model");
            var threadId = await WebhookApi.CreateThreadAsync(http);
            await WebhookApi.AddUserMessageAsync(http, threadId, "fail");
            var runId = await WebhookApi.StartRunAsync(http, threadId, assistantId);
            await RunWaiter.UntilTerminalAsync(http, threadId, runId);
            var ofOther = (await WebhookApi.DeliveriesAsync(http, otherId)).First(d => (string?)d["thread_id"] == threadId);
            (await http.PostRawAsync($"webhook_endpoints/{endpointId}/deliveries/{(string)ofOther["id"]!}/replay", "{}"))
                .AssertError(404, $"No webhook delivery found with id '{(string)ofOther["id"]!}'.");

            // Deleted: gone, with its deliveries.
            (await http.DeleteRawAsync($"webhook_endpoints/{otherId}")).AssertOk();
            (await http.GetRawAsync($"webhook_endpoints/{otherId}")).AssertError(404);
            (await http.GetRawAsync($"webhook_endpoints/{otherId}/deliveries")).AssertError(404);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
            await WebhookApi.DeleteEndpointQuietlyAsync(http, otherId);
        }
    }

    public static TheoryData<string, string, string?> InvalidCreates => new()
    {
        { """{"url":"not a url"}""", "url", "Invalid 'url': 'not a url' is not an absolute http or https URL." },
        { """{"url":"ftp://127.0.0.1/hooks"}""", "url", null },
        { """{"url":"/hooks"}""", "url", null },
        { """{"events":["thread.run.completed"]}""", "url", "Missing required parameter: 'url'." },
        { $$"""{"url":"{{GoodUrl}}","events":["thread.run.exploded"]}""", "events[0]", null },
        { $$"""{"url":"{{GoodUrl}}","events":["thread.run.completed","run.completed"]}""", "events[1]", null },
        { $$"""{"url":"{{GoodUrl}}","secret":"not-a-secret"}""", "secret", null },
        { $$"""{"url":"{{GoodUrl}}","secret":"whsec_c2hvcnQ="}""", "secret", null },
        { $$"""{"url":"{{GoodUrl}}","secret":"whsec_***not base64***"}""", "secret", null },
        { $$"""{"url":"{{GoodUrl}}","rotate_secret":true}""", "rotate_secret", null },
        { $$"""{"url":"{{GoodUrl}}","colour":"blue"}""", "colour", "Unrecognized request argument supplied: colour" },
        { """{"url":42}""", "url", null },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public async Task An_invalid_endpoint_is_refused_with_a_400_in_the_error_envelope(string body, string param, string? message)
    {
        using var http = server.CreateHttpClient();
        var before = (await http.GetOkAsync("webhook_endpoints?limit=100"))["data"]!.AsArray().Count;
        var error = (await http.PostRawAsync("webhook_endpoints", body)).AssertError(400, message, param);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.Equal(before, (await http.GetOkAsync("webhook_endpoints?limit=100"))["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_invalid_update_is_refused_and_changes_nothing()
    {
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri(GoodUrl), "thread.run.failed"));
        try
        {
            (await http.PostRawAsync($"webhook_endpoints/{endpointId}", """{"url":"nope"}""")).AssertError(400, param: "url");
            (await http.PostRawAsync($"webhook_endpoints/{endpointId}", """{"events":["nope"]}""")).AssertError(400, param: "events[0]");
            (await http.PostRawAsync($"webhook_endpoints/{endpointId}", """{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}""")).AssertError(400, param: "secret");
            var unchanged = await http.GetOkAsync($"webhook_endpoints/{endpointId}");
            Assert.Equal(GoodUrl, (string?)unchanged["url"]);
            Assert.Equal(["thread.run.failed"], unchanged["events"]!.AsArray().Select(e => (string?)e));
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    [Fact]
    public async Task An_endpoint_can_be_read_listed_updated_and_deleted_and_its_secret_is_shown_only_on_create()
    {
        using var http = server.CreateHttpClient();
        var created = await http.PostOkAsync("webhook_endpoints",
            $$$"""{"url":"{{{GoodUrl}}}","events":["thread.run.completed"],"description":"crm","metadata":{"team":"support"}}""");
        var endpointId = WebhookApi.Id(created);
        try
        {
            Assert.StartsWith("we_", endpointId);
            Assert.Equal("webhook_endpoint", (string?)created["object"]);
            Assert.Equal(GoodUrl, (string?)created["url"]);
            Assert.Equal("crm", (string?)created["description"]);
            Assert.Equal("support", (string?)created["metadata"]!["team"]);
            Assert.True((bool)created["enabled"]!);
            Assert.StartsWith("whsec_", (string?)created["secret"]);

            var read = await http.GetOkAsync($"webhook_endpoints/{endpointId}");
            Assert.Null(read["secret"]);
            Assert.Equal(GoodUrl, (string?)read["url"]);
            var list = await http.GetOkAsync("webhook_endpoints?limit=100");
            Assert.Contains(endpointId, list.Ids());
            Assert.All(list["data"]!.AsArray(), e => Assert.Null(e!["secret"]));

            var updated = await http.PostOkAsync($"webhook_endpoints/{endpointId}",
                """{"url":"http://127.0.0.1:9/other","events":["thread.run.failed","thread.run.expired"],"enabled":false}""");
            Assert.Equal("http://127.0.0.1:9/other", (string?)updated["url"]);
            Assert.Equal(["thread.run.failed", "thread.run.expired"], updated["events"]!.AsArray().Select(e => (string?)e));
            Assert.False((bool)updated["enabled"]!);
            Assert.Null(updated["secret"]);
            var reread = await http.GetOkAsync($"webhook_endpoints/{endpointId}");
            Assert.Equal(updated.ToJsonString(), reread.ToJsonString());

            var deleted = await http.DeleteRawAsync($"webhook_endpoints/{endpointId}");
            var body = deleted.AssertOk();
            Assert.Equal(endpointId, (string?)body["id"]);
            Assert.True((bool)body["deleted"]!);
            (await http.GetRawAsync($"webhook_endpoints/{endpointId}")).AssertError(404);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }
}
