using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A backlog for one endpoint that takes one delivery at a time is sent one event after another, each once.
/// A dispatcher must not claim more deliveries than it is about to send: a claim that waits its turn behind
/// the endpoint's limit for longer than the claim lasts lapses, and the delivery is claimed and sent again
/// although its first attempt is still to come (at least once is the contract, but not twice on a healthy path).
/// </summary>
public sealed class DeliveryClaimTests
{
    // Each answer takes well under the attempt timeout (a correct server never times one out, even on a busy
    // machine), yet the whole backlog takes several timeouts to send: Runs * Answer = 12 s against a 2 s timeout.
    private const int Runs = 20;
    private static readonly TimeSpan Answer = TimeSpan.FromMilliseconds(600);
    private const string Timeout = "00:00:02";

    [Fact]
    public async Task A_backlog_for_an_endpoint_that_takes_one_at_a_time_is_sent_once_per_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Default = ReceiverAnswer.Slow(Answer);
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string>
            {
                ["Threadline:Webhooks:Timeout"] = Timeout,
                ["Threadline:Webhooks:MaxConcurrentPerEndpoint"] = "1",
            },
        });
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed"));
        var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);

        // :: Runs on separate threads, all at once: their completed events queue up for the one endpoint.
        var runs = await Task.WhenAll(Enumerable.Range(0, Runs).Select(async i =>
        {
            var run = await http.PostOkAsync("threads/runs", JsonSerializer.Serialize(new
            {
                assistant_id = assistantId,
                thread = new { messages = new[] { new { role = "user", content = $"event {i}" } } },
            }));
            return ((string)run["thread_id"]!, WebhookApi.Id(run));
        }));
        foreach (var (threadId, runId) in runs)
            Assert.Equal("completed", (string?)(await RunWaiter.UntilTerminalAsync(http, threadId, runId))["status"]);

        // :: Every delivery succeeds; then nothing more arrives (a second copy would come right behind the backlog).
        var deliveries = await WebhookApi.WaitForDeliveriesAsync(http, endpointId,
            all => all.Count == Runs && all.All(d => (string?)d["status"] == "succeeded"), $"{Runs} succeeded", TimeSpan.FromSeconds(90));
        await receiver.WaitUntilQuietAsync(Answer * 4, TimeSpan.FromSeconds(60));

        var received = receiver.Received;
        var copies = received.GroupBy(r => r.WebhookId).Where(g => g.Count() > 1).ToList();
        Assert.True(copies.Count == 0,
            $"{copies.Count} of {Runs} events reached the receiver more than once ({received.Count} requests in all): " +
            string.Join(", ", copies.Select(g => $"{g.Key} x{g.Count()}")) + $"\nreceived:\n{receiver.Describe()}");
        Assert.Equal(deliveries.Select(d => (string)d["event_id"]!).Order(), received.Select(r => r.WebhookId).Order());
        Assert.True(deliveries.All(d => (int?)d["attempts"] == 1), $"a delivery took more than one attempt: {Describe(deliveries)}");
    }

    private static string Describe(IEnumerable<JsonObject> deliveries) =>
        string.Join("\n", deliveries.Select(d => $"  {d["event_id"]} {d["status"]} attempts={d["attempts"]} last_error={d["last_error"]}"));
}
