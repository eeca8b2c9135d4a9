namespace Threadline.Streaming;

/// <summary>
/// Live events of runs executed on other nodes. A stream whose run executes elsewhere follows a
/// mirror of that execution's log; the executing node relays its log (from the start, so nothing
/// is missed) to whoever follows it. A store shared by processes that cannot talk to each other
/// (SQLite) has no relay: such streams rebuild from the database when the run settles.
/// </summary>
internal interface IRunEventRelay
{
    /// <summary>A mirror of execution <paramref name="attempt"/> of the run on another node, held for a reader until <see cref="Unfollow"/>; null without a relay.</summary>
    RunEventLog? Follow(string runId, int attempt);

    void Unfollow(RunEventLog mirror);
}

/// <summary>No relay: the store's processes cannot reach each other.</summary>
internal sealed class NoRunEventRelay : IRunEventRelay
{
    public RunEventLog? Follow(string runId, int attempt) => null;

    public void Unfollow(RunEventLog mirror)
    {
    }
}
