using System.Collections.Concurrent;

namespace Threadline.Queue;

/// <summary>
/// The runs this process executes, so that a cancel made here stops its run at once; a cancel
/// made in another process reaches the run at its next heartbeat.
/// </summary>
internal sealed class ActiveRuns
{
    private readonly ConcurrentDictionary<string, Action> _cancels = new();

    public IDisposable Track(string runId, Action cancel)
    {
        _cancels[runId] = cancel;
        return new Registration(this, runId);
    }

    public void Cancel(string runId)
    {
        if (_cancels.TryGetValue(runId, out var cancel))
            cancel();
    }

    private sealed class Registration(ActiveRuns owner, string runId) : IDisposable
    {
        public void Dispose() => owner._cancels.TryRemove(runId, out _);
    }
}
