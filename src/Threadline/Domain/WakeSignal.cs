namespace Threadline.Domain;

/// <summary>
/// Wakes a background loop when what it has to do may have changed. Many wakes before the loop
/// looks fold into one; a loop sleeps until a wake or its own next deadline, never on a timer of
/// its own.
/// </summary>
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _wakes = new(0, 1);
    private int _pending;

    /// <summary>Cheap when already pending (the common case under load): no release, no exception.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
            _wakes.Release();
    }

    /// <summary>
    /// Taken right after the wait returns, before the loop looks: a wake that comes later releases
    /// again, and one that came between the wait and this is seen by the look itself.
    /// </summary>
    private bool Taken()
    {
        Volatile.Write(ref _pending, 0);
        return true;
    }

    /// <summary>Waits for a wake or for <paramref name="timeout"/> (infinite allowed), whichever comes first; false on the timeout.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (_wakes.Wait(0, CancellationToken.None))
            return Taken();
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            await _wakes.WaitAsync(ct);
            return Taken();
        }
        if (timeout <= TimeSpan.Zero)
            return false;
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await _wakes.WaitAsync(either.Token);
            return Taken();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
