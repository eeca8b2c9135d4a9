using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// With auth off the server listens on loopback and its one user is the operator: private and
/// loopback receivers are fine, link-local and cloud metadata addresses are still refused, and a
/// failed delivery is reported in coarse words all the same.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class DestinationsWithAuthOffTests(WebhookServerFixture server)
{
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    public async Task Link_local_and_metadata_destinations_are_refused(string url)
    {
        using var http = server.CreateHttpClient();
        var error = (await http.PostRawAsync("webhook_endpoints", new JsonObject { ["url"] = url })).AssertError(400, param: "url");
        Assert.Equal("destination_not_allowed", (string?)error["code"]);
    }

    [Theory]
    [InlineData("http://10.0.0.1/hooks")]
    [InlineData("http://192.168.1.10/hooks")]
    [InlineData("http://[::1]:9/hooks")]
    public async Task Private_and_loopback_destinations_are_accepted(string url)
    {
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri(url), "thread.run.expired"));
        await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
    }

    [Fact]
    public async Task A_delivery_to_a_closed_port_is_reported_as_could_not_connect_without_the_network_details()
    {
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri("http://127.0.0.1:9/hooks"), "thread.run.completed"));
        try
        {
            var failed = await WebhookApi.AttemptedDeliveryOfARunAsync(http, endpointId, "anyone there?");
            Assert.Equal("could not connect", (string?)failed["last_error"]);
            Assert.Null(failed["last_status_code"]);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }
}
