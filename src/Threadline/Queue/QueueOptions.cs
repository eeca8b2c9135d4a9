namespace Threadline.Queue;

/// <summary>Scheduler and executor settings, bound from <c>Threadline:Queue</c>.</summary>
internal sealed class QueueOptions
{
    public const string Section = "Threadline:Queue";

    /// <summary>A run whose executor has not renewed its lease for this long is taken over (I5). Default 30 s.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an executor renews its lease. Default: a third of the lease timeout.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>
    /// The most messages of a thread a run sends its model, newest first, when neither
    /// <c>truncation_strategy</c> nor <c>max_prompt_tokens</c> bounds it. Default 2,000.
    /// </summary>
    public int MaxContextMessages { get; set; } = 2_000;

    /// <summary>How many runs one process executes at once (mostly waiting on model calls). Default 1024.</summary>
    public int MaxConcurrentRuns { get; set; } = 1024;

    /// <summary>How long a run waits in <c>requires_action</c> for tool outputs before it expires. Default 10 min.</summary>
    public TimeSpan ToolOutputsTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When a run ends, its execution slot takes the run that has waited longest to start (usually
    /// the thread's next one) in the same transaction and runs it at once (default true): the fastest
    /// handoff, fair across threads. False: every run is claimed by whichever scheduler asks first.
    /// </summary>
    public bool Handoff { get; set; } = true;

    /// <summary>
    /// How long a reply streams before its start is stored. A run that ends sooner stores it with
    /// its end, in one commit instead of two; the stream is never held back (it goes out from memory).
    /// A process that dies within this window leaves a run that wrote nothing durable: it is started
    /// again. Default 25 ms.
    /// </summary>
    public TimeSpan ReplyStoreDelay { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Set false to run a process that serves the API but executes no runs.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan Heartbeat => HeartbeatInterval ?? LeaseTimeout / 3;

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Problem() =>
        LeaseTimeout < TimeSpan.FromMilliseconds(100) ? "Threadline:Queue:LeaseTimeout must be at least 100 ms."
        : Heartbeat <= TimeSpan.Zero || Heartbeat >= LeaseTimeout ? "Threadline:Queue:HeartbeatInterval must be positive and shorter than the lease timeout."
        : MaxContextMessages < 1 ? "Threadline:Queue:MaxContextMessages must be at least 1."
        : ToolOutputsTimeout < TimeSpan.FromSeconds(1) ? "Threadline:Queue:ToolOutputsTimeout must be at least 1 s."
        : MaxConcurrentRuns < 1 ? "Threadline:Queue:MaxConcurrentRuns must be at least 1."
        : ReplyStoreDelay < TimeSpan.Zero || ReplyStoreDelay >= LeaseTimeout ? "Threadline:Queue:ReplyStoreDelay must be between 0 and the lease timeout."
        : null;
}
