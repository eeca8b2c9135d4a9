namespace WhatsAppBridge.Threadline;

/// <summary>
/// One Threadline thread per WhatsApp user, named by <c>external_id = "whatsapp:&lt;wa_id&gt;"</c>: Threadline
/// finds or creates it on every call, so the bridge keeps no table of its own and any number of
/// bridge instances agree on it.
/// </summary>
internal static class ConversationKey
{
    private const string Prefix = "whatsapp:";

    public static string ExternalId(string waId) => Prefix + waId;

    /// <summary>The <c>wa_id</c> of a thread this bridge made; null for other threads of the project.</summary>
    public static string? WaId(string? externalId) =>
        externalId is not null && externalId.StartsWith(Prefix, StringComparison.Ordinal) && externalId.Length > Prefix.Length
            ? externalId[Prefix.Length..]
            : null;
}
