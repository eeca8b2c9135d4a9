using Threadline.Messages;
using Threadline.Runs;
using Threadline.Threads;

namespace Threadline.Storage;

/// <summary>
/// Make a thread with its first messages; with an external id that already names a thread of
/// the project, append the messages to that thread instead.
/// </summary>
internal sealed record ThreadCreate(ConversationThread Thread, IReadOnlyList<Message> Messages, long NowMs);

internal sealed record ThreadCreateResult(ConversationThread Thread, bool Created);

internal sealed record ThreadFilter(string ProjectId, string? ExternalId, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Add a message; with <paramref name="RejectIfActive"/>, refuse while a run is active (the hosted behaviour).</summary>
internal sealed record MessageCreate(Message Message, bool RejectIfActive, long NowMs);

/// <summary>Either the message, or the thread missing, or the active run that refused it.</summary>
internal sealed record MessageCreateResult(Message? Message, bool ThreadMissing, string? RejectedByRunId);

/// <summary>What to do when the thread already has an active run.</summary>
internal enum OnActive
{
    /// <summary>Queue behind it (the default).</summary>
    Queue,

    /// <summary>Refuse, as the hosted API did.</summary>
    Reject,

    /// <summary>Cancel it, keeping its partial reply, and run this one next.</summary>
    Interrupt,
}

/// <summary>
/// Make a run on an existing thread (<paramref name="NewThread"/> null) or on a thread made or
/// found in the same transaction. A debounced run joins the thread's open debounced run of the
/// same assistant rather than making a second one.
/// </summary>
internal sealed record RunCreate(Run Run, ThreadCreate? NewThread, IReadOnlyList<Message> AdditionalMessages, OnActive OnActive, long NowMs);

internal sealed record RunCreateResult(Run? Run, ConversationThread? Thread, bool Joined, bool ThreadMissing, string? RejectedByRunId)
{
    /// <summary>The active run that an <see cref="OnActive.Interrupt"/> cancelled.</summary>
    public string? InterruptedRunId { get; init; }
}

internal sealed record RunCancel(string ProjectId, string ThreadId, string RunId, long NowMs);

/// <summary>The run after the request, or why it could not be cancelled (its status), or null when it does not exist.</summary>
internal sealed record RunCancelResult(Run? Run, string? RefusedStatus);
