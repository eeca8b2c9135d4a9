namespace Threadline.Bench.Infrastructure;

/// <summary>Drives one system with a closed loop: each of N connections sends its next request when the last is answered.</summary>
internal interface ILoadGenerator
{
    /// <summary>For the report: which generator (and version) made the load.</summary>
    string Name { get; }

    Task<LoadResult> RunAsync(LoadRequest request, int clients, TimeSpan warmup, TimeSpan window, ServiceProcess server, CancellationToken ct);
}
