using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// Endpoints stored before secrets were encrypted keep their plain <c>whsec_</c> secret and keep
/// signing with it; the next change of such an endpoint stores its secret encrypted.
/// </summary>
public sealed class PlainSecretRowsTests
{
    [Fact]
    public async Task An_endpoint_with_a_plain_stored_secret_still_signs_with_it_and_is_encrypted_when_next_changed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions());
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted); // written as older versions did
        Assert.StartsWith("whsec_", (await h.EndpointAsync(endpoint.Id)).Secret);

        var (before, _) = await h.CompleteRunAsync();
        Assert.Equal(1, await h.DeliverDueAsync());
        await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(receiver.ForThread(before).Single(), endpoint.Secret)]);

        var changed = await h.Core.Get<WebhookEndpointService>().UpdateAsync(DispatcherHarness.Project, endpoint.Id,
            new WebhookEndpointSettings { Description = "changed" }, CancellationToken.None);
        Assert.Null(changed.Problem);
        Assert.StartsWith("enc:v1:", (await h.EndpointAsync(endpoint.Id)).Secret);

        var (after, _) = await h.CompleteRunAsync();
        Assert.Equal(1, await h.DeliverDueAsync());
        await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(receiver.ForThread(after).Single(), endpoint.Secret)]);
    }
}
