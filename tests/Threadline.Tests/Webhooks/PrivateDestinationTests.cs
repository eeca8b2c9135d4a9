using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// With API keys, an API caller must not make the server reach into the operator's network: an
/// endpoint on a literal private, loopback, link-local or metadata address (in any spelling) is
/// refused when it is made or changed; a name that resolves to one is refused when the delivery
/// connects; and what the deliveries API says about a failure does not tell one network error from
/// another.
/// </summary>
public sealed class PrivateDestinationTests(KeyedWebhookServer fixture) : IClassFixture<KeyedWebhookServer>
{
    public static TheoryData<string> RefusedUrls => new()
    {
        "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/latest/meta-data/",           // 169.254.169.254 as one decimal number
        "http://0xA9FEA9FE/",                            // ... in hex
        "http://0251.0376.0251.0376/",                   // ... in octal
        "http://[::ffff:169.254.169.254]/",              // ... v4-mapped
        "http://[::ffff:a9fe:a9fe]/",
        "http://169.254.0.1/",
        "http://[fe80::1]/",
        "http://10.0.0.1/hooks",
        "http://172.16.0.1/hooks",
        "http://172.31.255.255/hooks",
        "http://192.168.1.10:8080/hooks",
        "http://100.64.0.1/hooks",
        "http://[fd00::1]/hooks",
        "http://127.0.0.1:8080/hooks",
        "http://127.1/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.Google.Internal./computeMetadata/v1/",
    };

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task An_endpoint_on_a_private_or_metadata_address_is_refused_on_create_and_on_update(string url)
    {
        using var http = fixture.CreateHttpClient();
        var error = (await http.PostRawAsync("webhook_endpoints", new JsonObject { ["url"] = url })).AssertError(400, param: "url");
        Assert.Equal("destination_not_allowed", (string?)error["code"]);

        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri("https://hooks.example.com/threadline")));
        try
        {
            (await http.PostRawAsync($"webhook_endpoints/{endpointId}", new JsonObject { ["url"] = url })).AssertError(400, param: "url");
            Assert.Equal("https://hooks.example.com/threadline", (string?)(await http.GetOkAsync($"webhook_endpoints/{endpointId}"))["url"]);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    [Theory]
    [InlineData("http://172.32.0.1/hooks")]
    [InlineData("http://100.128.0.1/hooks")]
    [InlineData("http://[2001:db8::1]/hooks")]
    [InlineData("https://metadata.example.com/hooks")]
    public async Task An_endpoint_just_outside_the_refused_ranges_is_accepted(string url)
    {
        using var http = fixture.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, new Uri(url)));
        await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused_when_the_delivery_connects_and_the_error_says_only_that_it_failed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = fixture.CreateHttpClient();
        // A name passes the check on create (it is resolved when delivering, so that DNS rebinding gains nothing).
        var viaName = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri;
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, viaName, "thread.run.completed"));
        try
        {
            var failed = await WebhookApi.AttemptedDeliveryOfARunAsync(http, endpointId, "reach inside");
            Assert.Equal("pending", (string?)failed["status"]);
            Assert.Null(failed["last_status_code"]);
            Assert.Equal("could not connect", (string?)failed["last_error"]);
            Assert.Empty(receiver.Received);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }
}
