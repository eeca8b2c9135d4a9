using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.MultiNode;

/// <summary>Nodes started at the same moment on an empty database: each migration runs once (under the advisory lock), and every node serves.</summary>
public sealed class MigrationsAcrossNodesTests
{
    [PostgresFact]
    public async Task Four_nodes_started_at_once_on_an_empty_database_apply_each_migration_once_and_all_serve()
    {
        await using var nodes = await Nodes.StartAsync(4);
        var applied = await ServerDatabase.ReadAsync(nodes.DataDirectory,
            "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version", r => (Version: r.GetInt32(0), Count: r.GetInt64(1)));
        Assert.NotEmpty(applied);
        Assert.All(applied, a => Assert.Equal(1, a.Count));
        for (var i = 0; i < nodes.Count; i++)
        {
            using var http = new HttpClient { BaseAddress = nodes[i].BaseUrl };
            Assert.Equal("ready", await http.GetStringAsync("/readyz"));
        }
    }
}
