using Threadline.Auth;

namespace Threadline.Hosting;

/// <summary>
/// Server options, bound from the <c>Threadline</c> configuration section (appsettings.json,
/// <c>Threadline__Name</c> environment variables, <c>--Threadline:Name=value</c> arguments).
/// </summary>
internal sealed class ThreadlineOptions
{
    public const string Section = "Threadline";

    /// <summary>Where the SQLite file lives. Default: <c>./data</c> under the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>API keys and their projects. None: auth is off and the server listens on loopback only.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>
    /// Keys that open the operator's dashboard (<c>Threadline:AdminKeys:N</c>). With API keys configured
    /// and none of these, the dashboard stays closed; with neither, it is open (the server listens on loopback only).
    /// </summary>
    public List<string> AdminKeys { get; set; } = [];

    /// <summary><c>queue</c> (default): runs wait their turn. <c>reject</c>: the hosted API's 400s while a run is active.</summary>
    public string Concurrency { get; set; } = "queue";

    /// <summary>Bodies larger than this answer 413. Default 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>SQLite <c>synchronous</c> pragma: <c>FULL</c> (default, durable across power loss) or <c>NORMAL</c>.</summary>
    public string SqliteSynchronous { get; set; } = "FULL";

    /// <summary>
    /// The SQLite writer connection's page cache, in MiB (its <c>cache_size</c>). Default 2, SQLite's own.
    /// A message goes to a random thread and touches four random B-tree leaves (the thread's id and row,
    /// the message's id and its place in the thread's order); past a few hundred thousand messages the
    /// default reads several of them from the file per message. From the OS's cache that costs little
    /// (docs/benchmarks.md, growth); a larger cache helps a store the OS cannot keep in memory, at its size in RSS.
    /// </summary>
    public int SqliteWriterCacheMiB { get; set; } = 2;

    /// <summary>Default upper bound on a debounced run's wait, in milliseconds.</summary>
    public long DefaultMaxWaitMs { get; set; } = 30_000;

    /// <summary>
    /// How long the live events of a run that no stream followed yet stay in memory after the run's
    /// execution ended, for the stream that made the run to attach (later streams rebuild them from the
    /// database). Default 5 s.
    /// </summary>
    public TimeSpan StreamLinger { get; set; } = TimeSpan.FromSeconds(5);

    public bool StrictByDefault => string.Equals(Concurrency, "reject", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Problem() =>
        Concurrency is not ("queue" or "reject") ? $"Threadline:Concurrency must be 'queue' or 'reject', not '{Concurrency}'."
        : SqliteSynchronous is not ("FULL" or "NORMAL" or "EXTRA") ? $"Threadline:SqliteSynchronous must be FULL, NORMAL or EXTRA, not '{SqliteSynchronous}'."
        : SqliteWriterCacheMiB is < 1 or > 4096 ? $"Threadline:SqliteWriterCacheMiB must be from 1 to 4096, not {SqliteWriterCacheMiB}."
        : ApiKeys.Any(k => string.IsNullOrWhiteSpace(k.Key)) ? "Threadline:ApiKeys has an entry with an empty Key."
        : AdminKeys.Any(string.IsNullOrWhiteSpace) ? "Threadline:AdminKeys has an empty entry."
        : StreamLinger < TimeSpan.Zero ? "Threadline:StreamLinger must not be negative."
        : MaxRequestBodyBytes < 1024 ? "Threadline:MaxRequestBodyBytes must be at least 1024."
        : null;
}
