using System.Security.Cryptography;
using System.Text;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// Deliveries are signed per Standard Webhooks v1, as checked by the reference library (npm
/// <c>standardwebhooks</c>, run by <c>tests/webhook-verifier/verify.mjs</c>) on the exact bytes and
/// headers a real receiver got; anything tampered with fails; during a secret rotation both the old
/// and the new secret verify.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class SignatureVerificationTests(WebhookServerFixture server)
{
    [Fact]
    public async Task Every_delivery_verifies_with_the_endpoint_secret_and_tampered_ones_do_not()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url);
        var secret = WebhookApi.Secret(endpoint);
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            // Non-ASCII text: the signature covers the body's bytes, which a verifier must see unchanged.
            var (threadId, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "sign me: ünïcødé ✓ \"quoted\"");
            await receiver.WaitForThreadAsync(threadId, "thread.run.completed");
            await receiver.WaitForThreadAsync(threadId, "thread.message.completed");
            var deliveries = receiver.ForThread(threadId);

            foreach (var d in deliveries)
            {
                Assert.Equal("POST", d.Method);
                Assert.Equal(receiver.Url.AbsolutePath, d.Path);
                Assert.StartsWith("application/json", d.Header("content-type"));
                Assert.StartsWith("evt_", d.Header("webhook-id"));
                Assert.Matches("^[0-9]+$", d.Header("webhook-timestamp")!);
                Assert.True(Math.Abs(long.Parse(d.Header("webhook-timestamp")!) - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 120,
                    $"webhook-timestamp {d.Header("webhook-timestamp")} is not about now");
                Assert.Matches("^v1,[A-Za-z0-9+/]+=*$", d.Header("webhook-signature")!); // one secret, one signature
            }

            await StandardWebhooksVerifier.AssertAllVerifyAsync(deliveries.Select(d => VerificationInput.Of(d, secret)).ToList());

            var tampered = new List<VerificationInput>();
            foreach (var d in deliveries)
            {
                var good = VerificationInput.Of(d, secret);
                var text = d.BodyText;
                Assert.Contains("sign me", text);
                tampered.Add(good with { Body = Encoding.UTF8.GetBytes(text.Replace("sign me", "sign mE", StringComparison.Ordinal)), Label = "body changed: " + d });
                tampered.Add(good with { Body = [.. d.Body, (byte)' '], Label = "a byte appended: " + d });
                tampered.Add(good with { WebhookId = good.WebhookId + "x", Label = "webhook-id changed: " + d });
                tampered.Add(good with { Timestamp = (long.Parse(good.Timestamp) - 1).ToString(), Label = "webhook-timestamp changed: " + d });
                tampered.Add(good with { Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), Label = "another secret: " + d });
            }
            await StandardWebhooksVerifier.AssertNoneVerifyAsync(tampered);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, WebhookApi.Id(endpoint));
        }
    }

    [Fact]
    public async Task After_a_rotation_the_next_delivery_carries_two_signatures_and_verifies_with_the_old_and_the_new_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed");
        var endpointId = WebhookApi.Id(endpoint);
        var oldSecret = WebhookApi.Secret(endpoint);
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);

            // :: Before: one signature, by the only secret.
            var (before, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "before the rotation");
            var first = (await receiver.WaitForThreadAsync(before, "thread.run.completed")).Single();
            Assert.DoesNotContain(" ", first.Header("webhook-signature"));
            await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(first, oldSecret)]);

            // :: Rotate: a new secret, shown once; a plain read does not show it.
            var rotated = await http.PostOkAsync($"webhook_endpoints/{endpointId}", """{"rotate_secret":true}""");
            var newSecret = (string?)rotated["secret"];
            Assert.NotNull(newSecret);
            Assert.StartsWith("whsec_", newSecret);
            Assert.NotEqual(oldSecret, newSecret);
            var read = await http.GetOkAsync($"webhook_endpoints/{endpointId}");
            Assert.Null(read["secret"]);

            // :: After: two signatures; the reference library accepts the delivery with either secret alone.
            var (after, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "after the rotation");
            var next = (await receiver.WaitForThreadAsync(after, "thread.run.completed")).Single();
            var signatures = next.Header("webhook-signature")!.Split(' ');
            Assert.Equal(2, signatures.Length);
            Assert.All(signatures, s => Assert.Matches("^v1,[A-Za-z0-9+/]+=*$", s));
            await StandardWebhooksVerifier.AssertAllVerifyAsync(
            [
                VerificationInput.Of(next, oldSecret, "old secret: " + next),
                VerificationInput.Of(next, newSecret, "new secret: " + next),
            ]);
            await StandardWebhooksVerifier.AssertNoneVerifyAsync(
            [
                VerificationInput.Of(next, "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), "unrelated secret: " + next),
            ]);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }
}
