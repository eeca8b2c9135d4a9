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

    /// <summary>How often the dispatcher looks for due deliveries that no signal announced. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

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

    /// <summary>How long the old secret keeps signing after a rotation. Default 24 h.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);
}

internal sealed class ConfiguredEndpoint
{
    public string Name { get; set; } = "";
    public string Project { get; set; } = Auth.ProjectContext.DefaultProject;
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public List<string> Events { get; set; } = [];
}
