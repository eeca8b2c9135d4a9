namespace WhatsAppBridge;

/// <summary>The <c>WhatsApp</c> configuration section: both sides of the bridge, Meta's and Threadline's.</summary>
internal sealed class BridgeOptions
{
    public const string Section = "WhatsApp";

    /// <summary>The token typed into the Meta app dashboard; <c>GET /webhook</c> answers the handshake only when it matches.</summary>
    public string VerifyToken { get; set; } = "";

    /// <summary>The Meta app secret that signs every webhook (<c>X-Hub-Signature-256</c>).</summary>
    public string AppSecret { get; set; } = "";

    /// <summary>A (system user) access token allowed to send messages from <see cref="PhoneNumberId"/>.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>The WhatsApp business phone number id the replies are sent from.</summary>
    public string PhoneNumberId { get; set; } = "";

    /// <summary>The Graph API root, version included. Default <c>https://graph.facebook.com/v21.0</c>.</summary>
    public string GraphBaseUrl { get; set; } = "https://graph.facebook.com/v21.0";

    /// <summary>Threadline's API root, <c>/v1</c> included, e.g. <c>http://threadline:8080/v1</c>.</summary>
    public string ThreadlineBaseUrl { get; set; } = "";

    /// <summary>A Threadline API key; empty when the server runs without keys.</summary>
    public string ThreadlineApiKey { get; set; } = "";

    /// <summary>The Threadline assistant that answers (<c>asst_...</c>).</summary>
    public string AssistantId { get; set; } = "";

    /// <summary>The <c>whsec_...</c> secret of the Threadline webhook endpoint that points at <c>/threadline/events</c>.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>
    /// How long Threadline waits for the user to stop typing before it answers: messages sent within
    /// this quiet period are folded into one run and get one reply. Default 2000 ms.
    /// </summary>
    public int DebounceMs { get; set; } = 2000;

    /// <summary>How far a Threadline webhook's timestamp may be from now (replay protection). Default 5 minutes.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The problems that would make the bridge fail on its first message, so it fails at start instead.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var (name, value) in new[]
        {
            (nameof(VerifyToken), VerifyToken), (nameof(AppSecret), AppSecret), (nameof(AccessToken), AccessToken),
            (nameof(PhoneNumberId), PhoneNumberId), (nameof(AssistantId), AssistantId), (nameof(WebhookSecret), WebhookSecret),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
                yield return $"{Section}:{name} is required.";
        }

        foreach (var (name, value) in new[] { (nameof(GraphBaseUrl), GraphBaseUrl), (nameof(ThreadlineBaseUrl), ThreadlineBaseUrl) })
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                yield return $"{Section}:{name} must be an absolute http(s) URL.";
        }

        if (!Threadline.StandardWebhookSignature.IsValidSecret(WebhookSecret))
            yield return $"{Section}:{nameof(WebhookSecret)} must be the endpoint's whsec_ secret (base64 after the prefix).";

        if (DebounceMs is < 0 or > 600_000)
            yield return $"{Section}:{nameof(DebounceMs)} must be between 0 and 600000.";
    }
}
