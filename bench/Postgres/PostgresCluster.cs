using Npgsql;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Postgres;

/// <summary>
/// The PostgreSQL 15 cluster of a bench run: a throwaway one started with <c>tests/postgres/cluster.sh</c>
/// (trust auth, 127.0.0.1, a free port; stopped and deleted at the end), or, in a smoke run with
/// <c>THREADLINE_TEST_POSTGRES</c> set (CI's running cluster), that one. Every scenario gets its own
/// database, dropped when the scenario is done.
/// </summary>
internal sealed class PostgresCluster : IAsyncDisposable
{
    public const string TestClusterVariable = "THREADLINE_TEST_POSTGRES";
    private static readonly string Script = Path.Combine(RepoLayout.Root, "tests", "postgres", "cluster.sh");
    private readonly string _admin;
    private readonly string? _startedIn;
    private readonly List<string> _databases = [];

    private PostgresCluster(string admin, string? startedIn, PostgresCpu cpu)
    {
        _admin = admin;
        _startedIn = startedIn;
        Cpu = cpu;
    }

    /// <summary>For the report: where the cluster came from.</summary>
    public string Description => _startedIn is null
        ? $"the running cluster of {TestClusterVariable} (smoke run)"
        : "a throwaway PostgreSQL cluster (tests/postgres/cluster.sh: fsync on, synchronous_commit on, shared_buffers 128MB)";

    /// <summary>The cluster's postmaster and its children, for CPU per message and per run.</summary>
    public PostgresCpu Cpu { get; }

    public static async Task<PostgresCluster> StartAsync(BenchContext ctx, string workRoot, CancellationToken ct)
    {
        if (ctx.Options.Smoke && Environment.GetEnvironmentVariable(TestClusterVariable) is { Length: > 0 } running)
            return new PostgresCluster(running, null, await FindPostmasterAsync(running, ct));

        var dir = Path.Combine(workRoot, "postgres");
        var (code, output) = await Builder.RunAsync("bash", [Script, "start", dir], ct);
        var connection = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("Host=", StringComparison.Ordinal));
        if (code != 0 || connection is null)
        {
            await Builder.RunAsync("bash", [Script, "stop", dir], CancellationToken.None);
            throw new InvalidOperationException($"tests/postgres/cluster.sh start failed ({code}):\n{Http.Truncate(output, 2000)}");
        }
        var cpu = await FindPostmasterAsync(connection, ct);
        ctx.Log($"PostgreSQL cluster at {connection} (postmaster pid {cpu.PostmasterPid})");
        return new PostgresCluster(connection, dir, cpu);
    }

    /// <summary>A new empty database for one scenario; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string scenario, CancellationToken ct)
    {
        var name = $"bench_{scenario.Replace('-', '_')}_{Guid.NewGuid():N}"[..(scenario.Length + 15)];
        await ExecuteAsync($"CREATE DATABASE \"{name}\"", ct);
        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(_admin) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing what is still connected to it.</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken ct)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", ct);
        _databases.Remove(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_startedIn is not null)
        {
            await Builder.RunAsync("bash", [Script, "stop", _startedIn], CancellationToken.None);
            return;
        }
        foreach (var name in _databases.ToList())
        {
            try
            {
                await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", CancellationToken.None);
            }
            catch (NpgsqlException)
            {
            }
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_admin) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A backend's parent is the postmaster: ask the server for the backend's pid.</summary>
    private static async Task<PostgresCpu> FindPostmasterAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            return new PostgresCpu(PostgresCpu.ParentOf(backend));
        }
        catch (IOException)
        {
            return new PostgresCpu(0); // not on this machine: its CPU is not measured
        }
    }
}
