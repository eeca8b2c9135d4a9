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
    /// The slow fallback: how often the scheduler looks for work that no in-process signal announced
    /// (runs made by another process on the same database). Default 1 s.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many runs one process executes at once (mostly waiting on model calls). Default 1024.</summary>
    public int MaxConcurrentRuns { get; set; } = 1024;

    /// <summary>How long a run waits in <c>requires_action</c> for tool outputs before it expires. Default 10 min.</summary>
    public TimeSpan ToolOutputsTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// When a run ends, its executor takes the thread's next run in the same transaction and runs it
    /// at once (default true): the fastest handoff, and a thread stays on one process while its queue
    /// lasts. False: every run is claimed by whichever process's scheduler asks first.
    /// </summary>
    public bool Handoff { get; set; } = true;

    /// <summary>Set false to run a process that serves the API but executes no runs.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan Heartbeat => HeartbeatInterval ?? LeaseTimeout / 3;

    public void Validate()
    {
        if (LeaseTimeout < TimeSpan.FromMilliseconds(100))
            throw new InvalidOperationException("Threadline:Queue:LeaseTimeout must be at least 100 ms.");
        if (Heartbeat >= LeaseTimeout)
            throw new InvalidOperationException("Threadline:Queue:HeartbeatInterval must be shorter than the lease timeout.");
        if (PollInterval <= TimeSpan.Zero)
            throw new InvalidOperationException("Threadline:Queue:PollInterval must be positive.");
        if (MaxConcurrentRuns < 1)
            throw new InvalidOperationException("Threadline:Queue:MaxConcurrentRuns must be at least 1.");
    }
}
