using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Threads;

namespace Threadline.Streaming;

/// <summary>
/// What happened to a run, as the executor (or a request) saw it: domain events, free of any wire
/// format. Each API surface projects them to its own frames (the Assistants surface to
/// <c>thread.run.*</c> server-sent events); the projection of an event is computed once and shared
/// by every reader (<see cref="Projections"/>).
/// </summary>
internal abstract record RunEvent
{
    /// <summary>Cached projections, one slot per surface (see <see cref="Surface"/>).</summary>
    internal readonly object?[] Projections = new object?[Surface.Count];

    /// <summary>True for the events after which a run's stream ends (it ended, or waits for tool outputs).</summary>
    public virtual bool EndsStream => false;

    /// <summary>The step this event opens, which a stream must not announce again.</summary>
    public virtual string? OpensStep => null;

    /// <summary>True for the event of an execution's start (the run <c>in_progress</c>).</summary>
    public virtual bool StartsExecution => false;
}

/// <summary>The API surfaces that project run events.</summary>
internal static class Surface
{
    public const int Assistants = 0;
    public const int Dashboard = 1;
    public const int Count = 2;
}

/// <summary>The thread a create-thread-and-run made (a stream's first event there).</summary>
internal sealed record ThreadCreated(ConversationThread Thread) : RunEvent;

/// <summary>The run was made (<c>queued</c>).</summary>
internal sealed record RunCreated(Run Run) : RunEvent;

/// <summary>The run entered <see cref="Run.Status"/>.</summary>
internal sealed record RunStatusChanged(Run Run) : RunEvent
{
    public override bool EndsStream => Run.IsTerminal || Run.Status == RunStatus.RequiresAction;

    public override bool StartsExecution => Run.Status == RunStatus.InProgress;
}

/// <summary>A step opened (created and in progress); a tool-call step opens with no calls.</summary>
internal sealed record StepStarted(RunStep Step) : RunEvent
{
    public override string? OpensStep => Step.Id;
}

/// <summary>A tool-call step's calls, as the model asked for them.</summary>
internal sealed record ToolCallsRequested(RunStep Step) : RunEvent;

internal sealed record StepEnded(RunStep Step) : RunEvent;

/// <summary>The reply's message opened (created and in progress).</summary>
internal sealed record MessageStarted(Message Message) : RunEvent;

/// <summary>A piece of text appended to a message.</summary>
internal sealed record TextAppended(string MessageId, string Text) : RunEvent;

internal sealed record MessageEnded(Message Message) : RunEvent;
