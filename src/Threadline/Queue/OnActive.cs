namespace Threadline.Queue;

/// <summary>What a new run does when its thread already has an active run.</summary>
internal enum OnActive
{
    /// <summary>Queue behind it (the default).</summary>
    Queue,

    /// <summary>Refuse, as the hosted API did.</summary>
    Reject,

    /// <summary>Cancel it, keeping its partial reply, and run this one next.</summary>
    Interrupt,
}

/// <summary>Claim what may start for this process's executions, each with a lease this long.</summary>
internal sealed record ClaimFor(string Owner, long LeaseMs);
