namespace Threadline.Storage;

/// <summary>
/// Whether the store's writes are being refused for want of space. A full disk still serves reads,
/// so a ping stays green while every write fails: readiness asks this as well. Set by a write the
/// database refused as full, cleared by the next write that commits (a client's, a background
/// loop's, or readiness's own probe, <see cref="IStore.WriteProbeAsync"/>).
/// </summary>
internal sealed partial class WriteHealth(ILogger logger)
{
    private int _full;

    public bool Full => Volatile.Read(ref _full) != 0;

    public void Refused(Exception e)
    {
        if (Interlocked.Exchange(ref _full, 1) == 0)
            LogFull(logger, e.Message);
    }

    public void Committed()
    {
        // A plain read first: on the hot path, nothing was refused and nothing is written.
        if (Volatile.Read(ref _full) != 0 && Interlocked.Exchange(ref _full, 0) != 0)
            LogRecovered(logger);
    }

    [LoggerMessage(EventId = 115, Level = LogLevel.Error, Message = "Writes are refused: the database's disk is full ({Reason}); /readyz answers 503 until a write commits")]
    private static partial void LogFull(ILogger logger, string reason);

    [LoggerMessage(EventId = 116, Level = LogLevel.Information, Message = "Writes commit again: the database's disk has room")]
    private static partial void LogRecovered(ILogger logger);
}
