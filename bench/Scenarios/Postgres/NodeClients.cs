using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>An API client per node of a deployment (<c>/v1/</c>); <see cref="For"/> deals work to the nodes round-robin.</summary>
internal sealed class NodeClients(Deployment deployment) : IDisposable
{
    private readonly HttpClient[] _clients = (deployment.Topology.Relayed ? deployment.Nodes.Skip(1) : deployment.Nodes)
        .Select(n => Http.Client(new Uri(n.BaseUrl, "v1/"))).ToArray();

    /// <summary>The client of node <c>i mod N</c> (of the nodes that take requests).</summary>
    public HttpClient For(int i) => _clients[(int)((uint)i % _clients.Length)];

    /// <summary>Threads made through the API, thread i through node i mod N.</summary>
    public async Task<string[]> MakeThreadsAsync(int count, int degree, CancellationToken ct)
    {
        var threads = new string[count];
        await BenchContext.ForAsync(count, degree, async (i, ct) =>
            threads[i] = (string)(await Http.PostAsync(For(i), "threads", new System.Text.Json.Nodes.JsonObject(), ct))["id"]!, ct);
        return threads;
    }

    public void Dispose()
    {
        foreach (var client in _clients)
            client.Dispose();
    }
}
