using Threadline.Runs;

namespace Threadline.Streaming;

/// <summary>
/// An event of a run executed on another node, as that node's streams saw it: its frames, exactly
/// the bytes the executing node wrote (so that a stream read through any node is the same), and what
/// a stream needs to know of it. Relayed per surface projection: a surface added later relays its
/// own frames beside these.
/// </summary>
internal sealed record RelayedEvent : RunEvent
{
    public RelayedEvent(SseFrame[] frames, bool endsStream, bool startsExecution, string? opensStep)
    {
        Projections[Surface.Assistants] = frames;
        (Ends, Starts, Opens) = (endsStream, startsExecution, opensStep);
    }

    private bool Ends { get; }
    private bool Starts { get; }
    private string? Opens { get; }

    public override bool EndsStream => Ends;
    public override bool StartsExecution => Starts;
    public override string? OpensStep => Opens;

    /// <summary>The relayed form of a local event, with its frames.</summary>
    public static RelayedEvent Of(RunEvent e) => e as RelayedEvent ?? new(RunFrames.Of(e), e.EndsStream, e.StartsExecution, e.OpensStep);
}
