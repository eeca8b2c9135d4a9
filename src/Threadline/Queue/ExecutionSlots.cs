namespace Threadline.Queue;

/// <summary>How many runs this process may execute at once; a freed slot wakes the scheduler.</summary>
internal sealed class ExecutionSlots(QueueOptions options)
{
    private int _free = options.MaxConcurrentRuns;

    public int Free => Volatile.Read(ref _free);

    private Domain.WakeSignal? _onRelease;

    /// <summary>Releases wake <paramref name="signal"/> (the scheduler's one wake signal).</summary>
    public Domain.WakeSignal WakeOnRelease(Domain.WakeSignal signal) => _onRelease = signal;

    /// <summary>Takes up to <paramref name="wanted"/> slots; returns how many it took.</summary>
    public int TakeUpTo(int wanted)
    {
        while (true)
        {
            var free = Volatile.Read(ref _free);
            var taken = Math.Min(free, wanted);
            if (taken <= 0)
                return 0;
            if (Interlocked.CompareExchange(ref _free, free - taken, free) == free)
                return taken;
        }
    }

    public void Release(int count = 1)
    {
        if (count <= 0)
            return;
        Interlocked.Add(ref _free, count);
        _onRelease?.Wake();
    }
}
