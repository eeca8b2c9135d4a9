using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// Threadline nodes sharing one database on a PostgreSQL cluster of the test's own, which the test may
/// stop and start again (<see cref="Cluster"/>) without disturbing the suites' cluster.
/// </summary>
internal sealed class NodesOnOwnCluster : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private NodesOnOwnCluster(PostgresCluster cluster, string dataDirectory, IReadOnlyList<ThreadlineServer> nodes) =>
        (Cluster, _dataDirectory, Nodes) = (cluster, dataDirectory, nodes);

    public PostgresCluster Cluster { get; }

    public IReadOnlyList<ThreadlineServer> Nodes { get; }

    public static async Task<NodesOnOwnCluster> StartAsync(int count, IReadOnlyDictionary<string, string> arguments, Action<string>? onOutputLine = null)
    {
        var cluster = await PostgresCluster.StartAsync();
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        var nodes = new List<ThreadlineServer>();
        try
        {
            // One data folder for all: the nodes share what it holds besides the database (the webhook key ring).
            var options = new ThreadlineServerOptions
            {
                DataDirectory = dataDirectory,
                Arguments = new Dictionary<string, string>(arguments)
                {
                    ["Threadline:Storage:Provider"] = "postgres",
                    ["ConnectionStrings:Threadline"] = cluster.ConnectionString,
                },
                OnOutputLine = onOutputLine,
            };
            for (var i = 0; i < count; i++)
                nodes.Add(await ThreadlineServer.StartAsync(options));
            return new NodesOnOwnCluster(cluster, dataDirectory, nodes);
        }
        catch
        {
            await new NodesOnOwnCluster(cluster, dataDirectory, nodes).DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
        await Cluster.DisposeAsync();
        // The suites' settings made the folder a database on their cluster too, unused here.
        TestStorage.Drop(_dataDirectory);
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
