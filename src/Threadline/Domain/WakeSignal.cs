namespace Threadline.Domain;

/// <summary>
/// Wakes a background loop when what it has to do may have changed. Many wakes before the loop
/// looks fold into one; a loop sleeps until a wake or its own next deadline, never on a timer of
/// its own.
/// </summary>
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _wakes = new(0, 1);

    public void Wake()
    {
        try
        {
            _wakes.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake: the loop will look at everything when it next runs.
        }
    }

    /// <summary>Waits for a wake or for <paramref name="timeout"/> (infinite allowed), whichever comes first; false on the timeout.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (_wakes.Wait(0, CancellationToken.None))
            return true;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            await _wakes.WaitAsync(ct);
            return true;
        }
        if (timeout <= TimeSpan.Zero)
            return false;
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await _wakes.WaitAsync(either.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
