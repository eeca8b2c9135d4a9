using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// Meta's side of the bridge: WhatsApp Cloud API webhook payloads, signed as Meta signs them
/// (<c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body with the app secret&gt;</c>), posted to the bridge.
/// </summary>
internal sealed class MetaWebhooks(HttpClient http, Uri webhookUrl, string appSecret, string phoneNumberId)
{
    private static int _sequence;

    /// <summary>A fresh <c>wamid</c>, as unique as Meta's.</summary>
    public static string NewMessageId() => $"wamid.HBgL{Interlocked.Increment(ref _sequence)}{Guid.NewGuid():N}";

    /// <summary>A fresh phone number (<c>wa_id</c>), so tests sharing a bridge never share a user.</summary>
    public static string NewWaId() => "49" + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture) + RandomNumberGenerator.GetInt32(10, 99).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The webhook for one text message, shaped as the Cloud API sends it.</summary>
    public JsonObject TextMessage(string waId, string messageId, string text) =>
        Envelope(new JsonObject
        {
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = "Test User" }, ["wa_id"] = waId }),
            ["messages"] = new JsonArray(new JsonObject
            {
                ["from"] = waId,
                ["id"] = messageId,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["text"] = new JsonObject { ["body"] = text },
                ["type"] = "text",
            }),
        });

    /// <summary>A delivery receipt for a message the business sent: no user text in it.</summary>
    public JsonObject Status(string waId, string messageId, string status) =>
        Envelope(new JsonObject
        {
            ["statuses"] = new JsonArray(new JsonObject
            {
                ["id"] = messageId,
                ["status"] = status,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["recipient_id"] = waId,
            }),
        });

    /// <summary>An image message: not text, so not for the assistant.</summary>
    public JsonObject Image(string waId, string messageId) =>
        Envelope(new JsonObject
        {
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = "Test User" }, ["wa_id"] = waId }),
            ["messages"] = new JsonArray(new JsonObject
            {
                ["from"] = waId,
                ["id"] = messageId,
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["type"] = "image",
                ["image"] = new JsonObject { ["mime_type"] = "image/jpeg", ["sha256"] = "abc", ["id"] = "media-1" },
            }),
        });

    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Posts the payload signed with the app secret; returns the bridge's status code.</summary>
    public Task<int> PostAsync(JsonObject payload) => PostAsync(Encoding.UTF8.GetBytes(payload.ToJsonString()), sign: body => Sign(body, appSecret));

    /// <summary>Posts the payload signed with the app secret and checks the bridge answered 200.</summary>
    public async Task SendTextAsync(string waId, string messageId, string text)
    {
        var status = await PostAsync(TextMessage(waId, messageId, text));
        if (status != 200)
            throw new Xunit.Sdk.XunitException($"The bridge answered {status} to the webhook of {messageId} from {waId}.");
    }

    /// <summary>Posts <paramref name="body"/> with whatever signature <paramref name="sign"/> makes (null: no header at all).</summary>
    public async Task<int> PostAsync(byte[] body, Func<byte[], string?> sign)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (sign(body) is { } signature)
            request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature);
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    private JsonObject Envelope(JsonObject value)
    {
        value["messaging_product"] = "whatsapp";
        value["metadata"] = new JsonObject { ["display_phone_number"] = "15550001234", ["phone_number_id"] = phoneNumberId };
        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = "102290129340398",
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "messages" }),
            }),
        };
    }
}
