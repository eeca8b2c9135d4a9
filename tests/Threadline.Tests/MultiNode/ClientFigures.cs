using System.Collections.Concurrent;

namespace Threadline.Tests.MultiNode;

/// <summary>What the clients of a run of the chaos test did and waited, as <see cref="FailoverHandler"/> saw it.</summary>
internal sealed class ClientFigures
{
    private readonly ConcurrentBag<long> _latenciesMs = [];
    private int _requests;
    private int _attempts;
    private int _connectionRetries;
    private int _unavailableRetries;
    private int _inUseRetries;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A request answered after <paramref name="attempts"/> sends (a retry is another send).</summary>
    public void Answered(TimeSpan latency, int attempts)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _attempts, attempts);
        _latenciesMs.Add((long)latency.TotalMilliseconds);
    }

    public void ConnectionFailed() => Interlocked.Increment(ref _connectionRetries);

    public void Unavailable() => Interlocked.Increment(ref _unavailableRetries);

    public void KeyInUse() => Interlocked.Increment(ref _inUseRetries);

    public string Describe()
    {
        var latencies = _latenciesMs.Order().ToList();
        var percentile = (double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * p))];
        return $"requests {Requests} ({Volatile.Read(ref _attempts)} sends; retried: {_connectionRetries} connection errors, {_unavailableRetries} 503, " +
               $"{_inUseRetries} 409 key in use); latency per request, retries included: p50 {percentile(0.5)} ms, p99 {percentile(0.99)} ms, " +
               $"max {(latencies.Count == 0 ? 0 : latencies[^1])} ms";
    }
}
