using System.Net;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>Meta's subscription handshake: <c>GET /webhook?hub.mode=subscribe&amp;hub.verify_token=...&amp;hub.challenge=...</c>.</summary>
[Collection(BridgeCollection.Name)]
public sealed class HandshakeTests(BridgeFixture bridge)
{
    [Fact]
    public async Task The_right_verify_token_gets_the_challenge_back_as_plain_text()
    {
        using var response = await bridge.BridgeHttp.GetAsync(Url("subscribe", BridgeFixture.VerifyToken, "1158201444"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("subscribe", "wrong-token")]
    [InlineData("subscribe", "")]
    [InlineData("unsubscribe", BridgeFixture.VerifyToken)]
    public async Task A_wrong_token_or_mode_is_forbidden_and_gets_no_challenge(string mode, string token)
    {
        using var response = await bridge.BridgeHttp.GetAsync(Url(mode, token, "1158201444"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("1158201444", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Uri Url(string mode, string token, string challenge) =>
        new($"{bridge.Bridge.MetaWebhookUrl}?hub.mode={Uri.EscapeDataString(mode)}&hub.verify_token={Uri.EscapeDataString(token)}&hub.challenge={challenge}");
}
