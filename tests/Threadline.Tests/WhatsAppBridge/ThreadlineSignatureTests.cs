using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// Only Threadline may make the bridge send: <c>POST /threadline/events</c> checks the Standard Webhooks
/// signature and timestamp, answers 401 to anything else, and sends nothing. The events here are
/// hand-made for a real WhatsApp thread, so a missing check would show as a message to its user.
/// </summary>
[Collection(BridgeCollection.Name)]
public sealed class ThreadlineSignatureTests(BridgeFixture bridge)
{
    public static TheoryData<string> Forgeries =>
        ["wrong secret", "tampered body", "no signature", "no webhook-id", "other webhook-id", "timestamp 6 minutes old", "timestamp 6 minutes ahead", "v2 only", "not base64"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_badly_signed_or_stale_event_gets_401_and_sends_nothing(string forgery)
    {
        var (user, threadId) = await WhatsAppThreadAsync();
        var eventId = "evt_forged_" + Guid.NewGuid().ToString("N");
        var body = Encoding.UTF8.GetBytes(RunCompleted(eventId, threadId, "you won a prize").ToJsonString());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (id, timestamp, signature, sent) = forgery switch
        {
            "wrong secret" => (eventId, now, Sign(WrongSecret, eventId, now, body), body),
            "tampered body" => (eventId, now, Sign(bridge.WebhookSecret, eventId, now, body), Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("prize", "car", StringComparison.Ordinal))),
            "no signature" => (eventId, now, null, body),
            "no webhook-id" => (null, now, Sign(bridge.WebhookSecret, eventId, now, body), body),
            "other webhook-id" => ("evt_other", now, Sign(bridge.WebhookSecret, eventId, now, body), body),
            "timestamp 6 minutes old" => (eventId, now - 360, Sign(bridge.WebhookSecret, eventId, now - 360, body), body),
            "timestamp 6 minutes ahead" => (eventId, now + 360, Sign(bridge.WebhookSecret, eventId, now + 360, body), body),
            "v2 only" => (eventId, now, "v2," + Sign(bridge.WebhookSecret, eventId, now, body)!["v1,".Length..], body),
            _ => (eventId, now, "v1,%%%not-base64%%%", body),
        };

        Assert.Equal(401, await PostEventAsync(sent, id, timestamp, signature));

        // Had it been accepted, the bridge would have sent it by the time it answered.
        Assert.DoesNotContain(bridge.Graph.Requests, r => r.To == user);
    }

    [Fact]
    public async Task A_well_signed_event_is_sent_once_however_often_it_arrives()
    {
        // The control for the test above: the same hand-made event, signed properly, is sent. Among the
        // signatures is a stale one first, as during a secret rotation; one valid signature is enough.
        var (user, threadId) = await WhatsAppThreadAsync();
        var eventId = "evt_handmade_" + Guid.NewGuid().ToString("N");
        var body = Encoding.UTF8.GetBytes(RunCompleted(eventId, threadId, "your order ships today").ToJsonString());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signatures = Sign(WrongSecret, eventId, now, body) + " " + Sign(bridge.WebhookSecret, eventId, now, body);

        Assert.Equal(200, await PostEventAsync(body, eventId, now, signatures));
        Assert.Equal(["your order ships today"], bridge.Graph.DeliveredTo(user).Select(r => r.Text));

        // The same webhook-id again (a redelivery, freshly signed): acknowledged, not sent again.
        var later = now + 1;
        Assert.Equal(200, await PostEventAsync(body, eventId, later, Sign(bridge.WebhookSecret, eventId, later, body)));
        Assert.Single(bridge.Graph.Requests, r => r.To == user);
    }

    private static readonly string WrongSecret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>A thread the bridge would reply on (<c>external_id = whatsapp:&lt;wa_id&gt;</c>), made straight in Threadline so the bridge has never seen it.</summary>
    private async Task<(string User, string ThreadId)> WhatsAppThreadAsync()
    {
        var user = MetaWebhooks.NewWaId();
        var thread = await bridge.Api.PostOkAsync("threads", JsonSerializer.Serialize(new { external_id = "whatsapp:" + user }));
        return (user, (string)thread["id"]!);
    }

    /// <summary>A <c>thread.run.completed</c> event shaped like Threadline's.</summary>
    private JsonObject RunCompleted(string eventId, string threadId, string reply)
    {
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var runId = "run_" + Guid.NewGuid().ToString("N")[..24];
        return new JsonObject
        {
            ["id"] = eventId,
            ["object"] = "event",
            ["type"] = "thread.run.completed",
            ["created_at"] = created,
            ["data"] = new JsonObject
            {
                ["run"] = new JsonObject { ["id"] = runId, ["object"] = "thread.run", ["thread_id"] = threadId, ["assistant_id"] = bridge.AssistantId, ["status"] = "completed" },
                ["messages"] = new JsonArray(new JsonObject
                {
                    ["id"] = "msg_" + Guid.NewGuid().ToString("N")[..24],
                    ["object"] = "thread.message",
                    ["thread_id"] = threadId,
                    ["run_id"] = runId,
                    ["role"] = "assistant",
                    ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = new JsonObject { ["value"] = reply, ["annotations"] = new JsonArray() } }),
                }),
            },
        };
    }

    /// <summary>Standard Webhooks v1, computed here independently of Threadline and of the bridge.</summary>
    private static string Sign(string secret, string id, long timestamp, byte[] body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    private async Task<int> PostEventAsync(byte[] body, string? id, long timestamp, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, bridge.Bridge.ThreadlineEventsUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (id is not null)
            request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        if (signature is not null)
            request.Headers.TryAddWithoutValidation("webhook-signature", signature);
        using var response = await bridge.BridgeHttp.SendAsync(request);
        return (int)response.StatusCode;
    }
}
