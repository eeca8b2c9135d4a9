using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// <c>Threadline:Webhooks:AllowedHosts</c> lets a server with API keys deliver to a receiver on
/// its own host (here 127.0.0.1, also when reached by a name that resolves to it), and to nothing
/// else in a refused range.
/// </summary>
public sealed class AllowedHostsTests(KeyedWebhookServerAllowingLoopback fixture) : IClassFixture<KeyedWebhookServerAllowingLoopback>
{
    [Fact]
    public async Task An_allowed_loopback_receiver_gets_its_deliveries_signed_as_usual()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = fixture.CreateHttpClient();
        var viaName = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri;
        var direct = await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed");
        var named = await WebhookApi.CreateEndpointAsync(http, viaName, "thread.run.completed");
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var (threadId, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "allowed");
            var both = await receiver.WaitForThreadAsync(threadId, "thread.run.completed", count: 2);
            // Each endpoint signs with its own secret; which request came through which endpoint is not told apart here.
            var secrets = new[] { WebhookApi.Secret(direct), WebhookApi.Secret(named) };
            foreach (var d in both)
            {
                var results = await StandardWebhooksVerifier.VerifyAsync(secrets.Select(s => VerificationInput.Of(d, s)).ToList());
                Assert.Single(results, r => r.Ok);
            }
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(direct));
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(named));
        }
    }

    [Theory]
    [InlineData("http://127.0.0.2/hooks")]
    [InlineData("http://10.0.0.1/hooks")]
    [InlineData("http://169.254.169.254/")]
    public async Task Other_refused_addresses_stay_refused(string url)
    {
        using var http = fixture.CreateHttpClient();
        (await http.PostRawAsync("webhook_endpoints", new JsonObject { ["url"] = url })).AssertError(400, param: "url");
    }
}
