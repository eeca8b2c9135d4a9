using System.Text;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// Only Meta may post messages: a webhook without a valid <c>X-Hub-Signature-256</c> is refused with 401
/// and reaches nothing behind the bridge (no thread, no message, no run in Threadline).
/// </summary>
[Collection(BridgeCollection.Name)]
public sealed class MetaSignatureTests(BridgeFixture bridge)
{
    public static TheoryData<string> Forgeries => ["wrong secret", "tampered body", "no header", "not hex", "sha1 prefix", "empty"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_badly_signed_webhook_gets_401_and_makes_no_Threadline_call(string forgery)
    {
        var user = MetaWebhooks.NewWaId();
        var body = Encoding.UTF8.GetBytes(bridge.Meta.TextMessage(user, MetaWebhooks.NewMessageId(), "let me in").ToJsonString());
        Func<byte[], string?> sign = forgery switch
        {
            "wrong secret" => b => MetaWebhooks.Sign(b, "not-the-app-secret"),
            "tampered body" => b => MetaWebhooks.Sign(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("let me in", "let me out", StringComparison.Ordinal)), bridge.AppSecret),
            "no header" => _ => null,
            "not hex" => _ => "sha256=" + new string('z', 64),
            "sha1 prefix" => b => "sha1=" + MetaWebhooks.Sign(b, bridge.AppSecret)["sha256=".Length..],
            _ => _ => "",
        };

        Assert.Equal(401, await bridge.Meta.PostAsync(body, sign));
        Assert.Null(await bridge.ThreadOfAsync(user));

        // The same body, signed properly, does go through: the refusal was the signature's doing.
        Assert.Equal(200, await bridge.Meta.PostAsync(body, b => MetaWebhooks.Sign(b, bridge.AppSecret)));
        var thread = await bridge.ThreadOfAsync(user);
        Assert.NotNull(thread);
        var messages = await bridge.MessagesOfAsync((string)thread["id"]!);
        Assert.Equal(["let me in"], messages.Select(m => (string?)m["content"]![0]!["text"]!["value"]));
    }
}
