using System.Text.Json;

namespace WhatsAppBridge.Inbound;

/// <summary>
/// The parts of a WhatsApp Cloud API webhook the bridge reads:
/// <c>entry[].changes[].value.messages[]</c>. Everything else (statuses, contacts, errors) is
/// ignored, so Meta adding fields never breaks the bridge.
/// </summary>
internal sealed record WhatsAppWebhook(string? Object, IReadOnlyList<WhatsAppEntry>? Entry)
{
    /// <summary>
    /// The text messages of the webhook, in the order Meta listed them. Statuses (sent, delivered,
    /// read) and other message types (images, reactions, ...) are left out: the assistant only reads text.
    /// </summary>
    public IReadOnlyList<InboundTextMessage> TextMessages() =>
        (Entry ?? [])
        .SelectMany(e => e.Changes ?? [])
        .SelectMany(c => c.Value?.Messages ?? [])
        .Where(m => m.Type == "text" && !string.IsNullOrEmpty(m.From) && !string.IsNullOrEmpty(m.Id) && !string.IsNullOrEmpty(m.Text?.Body))
        .Select(m => new InboundTextMessage(m.From!, m.Id!, m.Text!.Body!))
        .ToList();

    /// <summary>Parses the body; null when it is not a JSON object of this shape.</summary>
    public static WhatsAppWebhook? TryParse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<WhatsAppWebhook>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

internal sealed record WhatsAppEntry(string? Id, IReadOnlyList<WhatsAppChange>? Changes);

internal sealed record WhatsAppChange(string? Field, WhatsAppValue? Value);

internal sealed record WhatsAppValue(string? MessagingProduct, IReadOnlyList<WhatsAppMessage>? Messages);

internal sealed record WhatsAppMessage(string? From, string? Id, string? Timestamp, string? Type, WhatsAppText? Text);

internal sealed record WhatsAppText(string? Body);

/// <summary>One text a user sent: who (<c>wa_id</c>), which message (<c>wamid</c>, unique, the same on Meta's redeliveries), what.</summary>
internal sealed record InboundTextMessage(string WaId, string MessageId, string Text);
