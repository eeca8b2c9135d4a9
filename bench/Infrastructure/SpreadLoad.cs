namespace Threadline.Bench.Infrastructure;

/// <summary>
/// A closed-loop load over every node of a deployment: the connections are dealt to the nodes
/// round-robin (connection i to node i mod N), one load generator per node, all at once, and their
/// results combined. The warm-up is its own load before the window, so that the CPU of the nodes and
/// of PostgreSQL can be read exactly at the window's edges.
/// </summary>
internal static class SpreadLoad
{
    public sealed record Measured(LoadResult Load, IReadOnlyList<LoadResult> PerNode, CpuReading Cpu);

    public static async Task<Measured> RunAsync(ILoadGenerator generator, Deployment deployment, LoadRequest request, int clients,
        TimeSpan warmup, TimeSpan window, CancellationToken ct)
    {
        if (warmup > TimeSpan.Zero)
            await AllNodesAsync(warmup);
        var before = deployment.ReadCpu();
        var perNode = await AllNodesAsync(window);
        var cpu = deployment.ReadCpu().Minus(before);
        return new Measured(LoadResult.Combine(perNode), perNode, cpu);

        Task<LoadResult[]> AllNodesAsync(TimeSpan length) => Task.WhenAll(deployment.Nodes.Select((node, k) =>
            generator.RunAsync(request, ConnectionsOf(k), TimeSpan.Zero, length, node, ct)));

        int ConnectionsOf(int node) => Math.Max(1, (clients / deployment.Nodes.Count) + (node < clients % deployment.Nodes.Count ? 1 : 0));
    }
}
