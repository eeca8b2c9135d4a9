namespace WhatsAppBridge.Threadline;

internal enum ForwardOutcome
{
    /// <summary>Threadline stored the message and made or joined a run.</summary>
    Accepted,

    /// <summary>Threadline had already taken this message (same <c>wamid</c>): it replayed its first answer and did nothing.</summary>
    Replayed,

    /// <summary>Threadline refused the message for good (a 4xx other than 409/429); sending it again would not help.</summary>
    Rejected,

    /// <summary>Threadline could not take it now (down, 5xx, 429, the first delivery still in flight): Meta should redeliver.</summary>
    Unavailable,
}

/// <summary>What became of one inbound message.</summary>
internal sealed record ForwardResult(ForwardOutcome Outcome, RunCreated? Run = null, int? Status = null, string? Detail = null);
