namespace Threadline.Bench.Infrastructure;

/// <summary>What a closed-loop load measured inside its window (after the warm-up).</summary>
/// <param name="Answered">Requests answered over the whole load, warm-up included.</param>
/// <param name="AckedIds">With <see cref="LoadRequest.CaptureIds"/>: the id in every 2xx answer, warm-up included.</param>
internal sealed record LoadResult(
    LatencyStats Stats, long Errors, double Throughput, double WindowSeconds, long Completed,
    ProcessSample ServerAtStart, ProcessSample ServerAtEnd, double ClientCpuSeconds, string? FirstError,
    long Answered, IReadOnlyList<string> AckedIds)
{
    /// <summary>Cores the server used on average inside the window.</summary>
    public double ServerCores => (ServerAtEnd.CpuSeconds - ServerAtStart.CpuSeconds) / WindowSeconds;

    /// <summary>Cores the load generator used on average inside the window.</summary>
    public double ClientCores => ClientCpuSeconds / WindowSeconds;

    /// <summary>Loads run at once against several nodes, as one: counts and rates added, the server samples' CPU added.</summary>
    public static LoadResult Combine(IReadOnlyList<LoadResult> parts) => parts.Count == 1 ? parts[0] : new(
        LatencyStats.Combine(parts.Select(p => p.Stats).ToList()), parts.Sum(p => p.Errors), parts.Sum(p => p.Throughput),
        parts.Max(p => p.WindowSeconds), parts.Sum(p => p.Completed),
        ProcessSample.Combine(parts.Select(p => p.ServerAtStart)), ProcessSample.Combine(parts.Select(p => p.ServerAtEnd)),
        parts.Sum(p => p.ClientCpuSeconds), parts.Select(p => p.FirstError).FirstOrDefault(e => e is not null),
        parts.Sum(p => p.Answered), parts.SelectMany(p => p.AckedIds).ToList());
}
