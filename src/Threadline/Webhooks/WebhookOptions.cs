namespace Threadline.Webhooks;

/// <summary>Bound from <c>Threadline:Webhooks</c>.</summary>
internal sealed class WebhookOptions
{
    public const string Section = "Threadline:Webhooks";

    /// <summary>Endpoints declared in configuration, kept in step at each start.</summary>
    public List<ConfiguredEndpoint> Endpoints { get; set; } = [];

    /// <summary>Set false to stop delivering (events are still recorded and go out when it is set back).</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>How long one delivery attempt may take. Default 15 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Deliveries in flight at once to one endpoint. Default 4.</summary>
    public int MaxConcurrentPerEndpoint { get; set; } = 4;

    /// <summary>Attempts in flight at once in this process, over all endpoints. Default 64.</summary>
    public int MaxInFlight { get; set; } = 64;

    /// <summary>How long a delivered (or abandoned) event is kept, with its deliveries, for the deliveries API. Default 30 days.</summary>
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The waits after each failed attempt, before jitter (±20%); empty means <see cref="DefaultRetrySchedule"/>.
    /// A <c>Retry-After</c> answer replaces the wait. After the last, the delivery fails.
    /// (Empty by default because the configuration binder appends to a list it finds filled.)
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;

    /// <summary>About three days in all.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4),
        TimeSpan.FromHours(8), TimeSpan.FromHours(12), TimeSpan.FromHours(24), TimeSpan.FromHours(24),
    ];

    /// <summary>
    /// Whether webhooks may go to loopback, private (RFC 1918), CGNAT and IPv6 unique-local addresses.
    /// Default (null): yes with auth off, where the server is loopback-only and its one user is the
    /// operator; no when API keys are configured. Link-local and metadata addresses are never allowed.
    /// </summary>
    public bool? AllowPrivateNetworks { get; set; }

    /// <summary>Host names or addresses webhooks may reach whatever their range (a receiver on the same host). Default none.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// The directory of the keys that encrypt endpoint secrets, shared by every process on the data
    /// (keep it with the data: without it, stored secrets cannot be read). Default: <c>keys</c> in the
    /// data directory.
    /// </summary>
    public string? SecretKeyRing { get; set; }

    /// <summary>How long the old secret keeps signing after a rotation. Default 24 h.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Problem()
    {
        if (MaxConcurrentPerEndpoint < 1)
            return "Threadline:Webhooks:MaxConcurrentPerEndpoint must be at least 1.";
        if (MaxInFlight < 1)
            return "Threadline:Webhooks:MaxInFlight must be at least 1.";
        if (Timeout < TimeSpan.FromMilliseconds(100))
            return "Threadline:Webhooks:Timeout must be at least 100 ms.";
        if (RetrySchedule.Any(w => w < TimeSpan.Zero))
            return "Threadline:Webhooks:RetrySchedule must not hold negative waits.";
        if (EventRetention < TimeSpan.FromMinutes(1))
            return "Threadline:Webhooks:EventRetention must be at least 1 minute.";
        if (SecretRotationOverlap < TimeSpan.Zero)
            return "Threadline:Webhooks:SecretRotationOverlap must not be negative.";
        if (AllowedHosts.Any(string.IsNullOrWhiteSpace))
            return "Threadline:Webhooks:AllowedHosts has an empty entry.";
        foreach (var e in Endpoints)
            if (string.IsNullOrWhiteSpace(e.Name) || !Uri.TryCreate(e.Url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")
                || !WebhookSigner.IsValidSecret(e.Secret))
                return $"Threadline:Webhooks:Endpoints: endpoint '{e.Name}' needs a Name, an http(s) Url and a whsec_ Secret.";
        return null;
    }
}

internal sealed class ConfiguredEndpoint
{
    public string Name { get; set; } = "";
    public string Project { get; set; } = Auth.ProjectContext.DefaultProject;
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public List<string> Events { get; set; } = [];
}
