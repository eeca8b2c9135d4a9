using System.Threading.Channels;

namespace Threadline.Domain;

/// <summary>
/// Wakes a background loop when this process changed what it has to do. Many wakes fold into one;
/// the loop also wakes on its own after a timeout, for changes made by other processes.
/// </summary>
internal abstract class WakeSignal
{
    private readonly Channel<bool> _wakes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakes.Writer.TryWrite(true);

    /// <summary>Waits for a wake or for <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (_wakes.Reader.TryRead(out _))
            return;
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            await _wakes.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The timeout: time to look again.
        }
    }
}
