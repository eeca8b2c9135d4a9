using System.Diagnostics;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// <paramref name="clients"/> simulated clients in this process, each sending its next request as soon
/// as the previous one is answered, for a warm-up and then a measured window. The engine of
/// <see cref="HarnessLoad"/>, and of loads no generic request describes (a stream read to an event).
/// </summary>
internal static class ClosedLoop
{
    /// <param name="request">One request of client <c>i</c>; returns true when it succeeded. Exceptions count as errors.</param>
    public static async Task<LoadResult> RunAsync(int clients, TimeSpan warmup, TimeSpan window, ServiceProcess server,
        Func<int, CancellationToken, Task<bool>> request, CancellationToken ct)
    {
        var recorder = new LatencyRecorder();
        long completed = 0, answered = 0;
        string? firstError = null;
        var measuring = warmup <= TimeSpan.Zero;
        var start = Stopwatch.GetTimestamp();
        var serverAtStart = measuring ? server.Sample() : default;
        var clientCpuAtStart = measuring ? Process.GetCurrentProcess().TotalProcessorTime : TimeSpan.Zero;
        long windowStart = measuring ? start : 0;
        var gate = new object();

        // The warm-up ends on a timer; the window then runs for its length.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timer = Task.Run(async () =>
        {
            if (!measuring)
            {
                await Task.Delay(warmup, ct);
                lock (gate)
                {
                    serverAtStart = server.Sample();
                    clientCpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                    windowStart = Stopwatch.GetTimestamp();
                    measuring = true;
                }
            }
            await Task.Delay(window, ct);
            await stop.CancelAsync();
        }, ct);

        var workers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                bool counted;
                lock (gate)
                    counted = measuring;
                var t0 = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await request(i, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                    ok = false;
                }
                var ms = LatencyRecorder.Ms(t0);
                Interlocked.Increment(ref answered);
                // Count only requests that began inside the window.
                if (!counted)
                    continue;
                if (ok)
                {
                    recorder.Add(ms);
                    Interlocked.Increment(ref completed);
                }
                else
                {
                    recorder.Error();
                }
            }
        }, ct)).ToList();

        await Task.WhenAll(workers);
        var end = Stopwatch.GetTimestamp();
        await stop.CancelAsync();
        try
        {
            await timer;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        var serverAtEnd = server.Sample();
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuAtStart).TotalSeconds;
        var seconds = Stopwatch.GetElapsedTime(windowStart, end).TotalSeconds;
        return new LoadResult(recorder.Stats(), recorder.Errors, completed / seconds, seconds, completed, serverAtStart, serverAtEnd,
            clientCpu, firstError, answered, []);
    }
}
