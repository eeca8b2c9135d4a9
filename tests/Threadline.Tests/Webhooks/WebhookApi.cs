using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>Raw-HTTP steps the webhook tests share: endpoints, deliveries, and echo runs to complete.</summary>
internal static class WebhookApi
{
    /// <summary>Creates an endpoint for <paramref name="url"/>; returns the object (with its <c>secret</c>).</summary>
    public static async Task<JsonObject> CreateEndpointAsync(HttpClient http, Uri url, params string[] events)
    {
        var body = new JsonObject { ["url"] = url.ToString(), ["description"] = "test receiver" };
        if (events.Length > 0)
            body["events"] = new JsonArray(events.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        var endpoint = await http.PostOkAsync("webhook_endpoints", body.ToJsonString());
        Assert.Equal("webhook_endpoint", (string?)endpoint["object"]);
        Assert.StartsWith("whsec_", (string?)endpoint["secret"]);
        return endpoint;
    }

    public static string Id(JsonObject o) => (string)o["id"]!;

    public static string Secret(JsonObject endpoint) => (string)endpoint["secret"]!;

    /// <summary>Deletes the endpoint so the shared server stops sending to a receiver that is going away.</summary>
    public static async Task DeleteEndpointQuietlyAsync(HttpClient http, string endpointId)
    {
        try
        {
            await http.DeleteAsync($"webhook_endpoints/{endpointId}");
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>Every delivery of the endpoint, oldest first.</summary>
    public static async Task<List<JsonObject>> DeliveriesAsync(HttpClient http, string endpointId)
    {
        var list = await http.GetOkAsync($"webhook_endpoints/{endpointId}/deliveries?order=asc&limit=100");
        Assert.Equal("list", (string?)list["object"]);
        return list["data"]!.AsArray().Select(d => d!.AsObject()).ToList();
    }

    /// <summary>Polls the deliveries until one matches; fails with the list otherwise.</summary>
    public static async Task<JsonObject> WaitForDeliveryAsync(HttpClient http, string endpointId, Func<JsonObject, bool> match, string what, TimeSpan? timeout = null) =>
        (await WaitForDeliveriesAsync(http, endpointId, all => all.Any(match), what, timeout)).First(match);

    /// <summary>Polls the endpoint's deliveries until the whole list satisfies <paramref name="condition"/>; fails with the list otherwise.</summary>
    public static async Task<List<JsonObject>> WaitForDeliveriesAsync(HttpClient http, string endpointId, Func<List<JsonObject>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var deliveries = await DeliveriesAsync(http, endpointId);
            if (condition(deliveries))
                return deliveries;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"The deliveries of {endpointId} did not become {what} within {limit}: {new JsonArray(deliveries.Select(d => (JsonNode)d.DeepClone()).ToArray()).ToJsonString()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Completes an echo run and waits until its event's delivery has been attempted (successfully or not).</summary>
    public static async Task<JsonObject> AttemptedDeliveryOfARunAsync(HttpClient http, string endpointId, string text)
    {
        var assistantId = await CreateEchoAssistantAsync(http);
        var (threadId, _) = await CompletedRunAsync(http, assistantId, text);
        return await WaitForDeliveryAsync(http, endpointId, d => (string?)d["thread_id"] == threadId && (int)d["attempts"]! >= 1, "attempted");
    }

    public static async Task<string> CreateEchoAssistantAsync(HttpClient http, string model = "echo") =>
        Id(await http.PostOkAsync("assistants", JsonSerializer.Serialize(new { model, name = "webhook tests" })));

    public static async Task<string> CreateThreadAsync(HttpClient http) => Id(await http.PostOkAsync("threads", "{}"));

    public static async Task AddUserMessageAsync(HttpClient http, string threadId, string text) =>
        await http.PostOkAsync($"threads/{threadId}/messages", JsonSerializer.Serialize(new { role = "user", content = text }));

    public static async Task<string> StartRunAsync(HttpClient http, string threadId, string assistantId) =>
        Id(await http.PostOkAsync($"threads/{threadId}/runs", JsonSerializer.Serialize(new { assistant_id = assistantId })));

    /// <summary>A new thread with one user message, an echo run on it, waited for until completed.</summary>
    public static async Task<(string ThreadId, string RunId)> CompletedRunAsync(HttpClient http, string assistantId, string text)
    {
        var threadId = await CreateThreadAsync(http);
        await AddUserMessageAsync(http, threadId, text);
        var runId = await StartRunAsync(http, threadId, assistantId);
        var run = await RunWaiter.UntilTerminalAsync(http, threadId, runId);
        Assert.True((string?)run["status"] == "completed", $"run {runId} ended {run.ToJsonString()}");
        return (threadId, runId);
    }
}
