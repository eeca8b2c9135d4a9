using Threadline.Bench.Postgres;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// One or more Threadline processes on one store (<see cref="Topology"/>): several server processes
/// with the same PostgreSQL connection string are several nodes. The first node starts alone (it
/// applies the migrations), the others after it; each node has its own data directory.
/// </summary>
internal sealed class Deployment : IAsyncDisposable
{
    private readonly PostgresCpu? _postgres;

    private Deployment(Topology topology, ServerStore store, IReadOnlyList<ServiceProcess> nodes, PostgresCpu? postgres)
    {
        Topology = topology;
        Store = store;
        Nodes = nodes;
        _postgres = postgres;
    }

    public Topology Topology { get; }
    public ServerStore Store { get; }
    public IReadOnlyList<ServiceProcess> Nodes { get; }

    public static async Task<Deployment> StartAsync(BenchContext ctx, Topology topology, ServerStore store, IEnumerable<string> settings,
        CancellationToken ct)
    {
        var arguments = store.Settings.Concat(settings).ToList();
        var nodes = new List<ServiceProcess> { await ctx.StartThreadlineAsync(store.DataDirectory, arguments, ct) };
        var others = Enumerable.Range(1, topology.Nodes - 1)
            .Select(i => ctx.StartThreadlineAsync(ctx.NewDataDirectory($"node{i}"), [.. arguments, .. topology.NodeSettings(i)], ct));
        nodes.AddRange(await Task.WhenAll(others));
        return new Deployment(topology, store, nodes, store.PostgresConnection is null ? null : (await ctx.PostgresAsync(ct)).Cpu);
    }

    public CpuReading ReadCpu() => new(Nodes.Select(n => n.Sample().CpuSeconds).ToList(), _postgres?.Seconds() ?? double.NaN);

    /// <summary>
    /// A histogram of every node's <c>/metrics</c>, added bucket by bucket; read again (for up to 5 s) until it
    /// holds <paramref name="atLeast"/> observations, since the exporter caches its answer briefly.
    /// </summary>
    public async Task<BucketHistogram> HistogramAsync(string metric, CancellationToken ct, double atLeast = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var total = BucketHistogram.Empty;
            foreach (var node in Nodes)
            {
                using var http = Http.Client(node.BaseUrl);
                total = total.Plus((await PrometheusScrape.ReadAsync(http, node.BaseUrl, ct)).Histogram(metric));
            }
            if (total.Count >= atLeast || DateTime.UtcNow > deadline)
                return total;
            await Task.Delay(100, ct);
        }
    }

    /// <summary>The largest RSS of any node (peak and now), for the table's memory column.</summary>
    public ProcessSample LargestNode() => Nodes.Select(n => n.Sample()).MaxBy(s => s.PeakRssKb);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
    }
}
