using System.Text;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A secret is shown once: an <c>Idempotency-Key</c> replay of the create or the rotation that made it
/// answers the same endpoint without the secret, with a <c>secret_note</c> saying why, and the stored
/// replay never held it.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class SecretReplayTests(WebhookServerFixture server)
{
    [Fact]
    public async Task A_replayed_create_or_rotation_answers_the_endpoint_without_its_secret_and_keeps_none()
    {
        using var http = server.CreateHttpClient();
        var create = """{"url":"http://127.0.0.1:9/hooks","events":["thread.run.expired"]}""";

        // :: Create, then the same request again.
        var createKey = "create-" + Guid.NewGuid();
        var first = (await PostWithKeyAsync(http, "webhook_endpoints", create, createKey)).AssertOk();
        var endpointId = WebhookApi.Id(first);
        try
        {
            var secret = WebhookApi.Secret(first);
            var replayed = await PostWithKeyAsync(http, "webhook_endpoints", create, createKey);
            AssertReplayWithoutSecret(replayed, first);

            // :: Rotate, then the same request again.
            var rotateKey = "rotate-" + Guid.NewGuid();
            var rotated = (await PostWithKeyAsync(http, $"webhook_endpoints/{endpointId}", """{"rotate_secret":true}""", rotateKey)).AssertOk();
            var newSecret = WebhookApi.Secret(rotated);
            Assert.NotEqual(secret, newSecret);
            AssertReplayWithoutSecret(await PostWithKeyAsync(http, $"webhook_endpoints/{endpointId}", """{"rotate_secret":true}""", rotateKey), rotated);

            // :: Neither secret is in what the server keeps for replays.
            var bodies = await ServerDatabase.ReadAsync(server.Server.DataDirectory,
                "SELECT response_body FROM idempotency_keys WHERE response_body IS NOT NULL", r => Encoding.UTF8.GetString((byte[])r[0]));
            Assert.Contains(bodies, b => b.Contains(endpointId, StringComparison.Ordinal));
            Assert.DoesNotContain(bodies, b => b.Contains(secret, StringComparison.Ordinal) || b.Contains(newSecret, StringComparison.Ordinal));
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    private static void AssertReplayWithoutSecret(ApiResponse replayed, JsonObject original)
    {
        var body = replayed.AssertOk();
        Assert.Equal("true", replayed.Header("Idempotent-Replayed"));
        Assert.Equal(WebhookApi.Id(original), WebhookApi.Id(body));
        Assert.Equal((string?)original["url"], (string?)body["url"]);
        Assert.Null(body["secret"]);
        Assert.Contains("rotate_secret", (string?)body["secret_note"]);
    }

    private static async Task<ApiResponse> PostWithKeyAsync(HttpClient http, string path, string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendRawAsync(request);
    }
}
