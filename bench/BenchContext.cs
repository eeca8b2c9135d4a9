using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Bench.Baseline;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Postgres;

namespace Threadline.Bench;

/// <summary>What every scenario needs: the options, a log, fresh data directories and the processes under test.</summary>
internal sealed class BenchContext(BenchOptions options, string workRoot, ILoadGenerator load)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public BenchOptions Options => options;

    /// <summary>The closed-loop load generator of this run (wrk, or the harness's own client): the same for every system.</summary>
    public ILoadGenerator Load => load;

    /// <summary>The Threadline process started last, for its output when a scenario fails.</summary>
    public ServiceProcess? LastServer { get; private set; }

    private PostgresCluster? _postgres;

    /// <summary>The run's PostgreSQL cluster, started the first time a scenario asks for it (<see cref="StopPostgresAsync"/> at the end).</summary>
    public async Task<PostgresCluster> PostgresAsync(CancellationToken ct) =>
        _postgres ??= await PostgresCluster.StartAsync(this, workRoot, ct);

    public async Task StopPostgresAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        _postgres = null;
    }

    /// <summary>A fresh store for <paramref name="topology"/>: a data directory, and on PostgreSQL a new database of its own.</summary>
    public async Task<ServerStore> NewStoreAsync(string scenario, Topology topology, CancellationToken ct) =>
        new(NewDataDirectory(scenario), topology.Postgres ? await (await PostgresAsync(ct)).CreateDatabaseAsync(scenario, ct) : null);

    public async Task DiscardAsync(ServerStore store)
    {
        Discard(store.DataDirectory);
        if (store.PostgresConnection is { } connection && _postgres is not null && !options.KeepData)
            await _postgres.DropDatabaseAsync(connection, CancellationToken.None);
    }

    public void Log(string message) => Console.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    /// <summary>A new empty directory under the run's work folder.</summary>
    public string NewDataDirectory(string name) =>
        Directory.CreateDirectory(Path.Combine(workRoot, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)])).FullName;

    public void Discard(string directory)
    {
        if (options.KeepData)
        {
            Log($"kept data directory {directory}");
            return;
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Threadline as a separate Release process: <c>dotnet src/Threadline/bin/Release/net10.0/Threadline.dll
    /// --urls http://127.0.0.1:0 --Threadline:DataDirectory &lt;dir&gt;</c> with the durable defaults, plus <paramref name="settings"/>.
    /// </summary>
    public async Task<ServiceProcess> StartThreadlineAsync(string dataDirectory, IEnumerable<string> settings, CancellationToken ct)
    {
        var arguments = new List<string> { "--Threadline:DataDirectory", dataDirectory };
        arguments.AddRange(settings);
        arguments.AddRange(options.ServerArgs);
        var server = await ServiceProcess.StartAsync("threadline", options.ServerDll ?? RepoLayout.ServerDll, arguments, ct);
        LastServer = server;
        Log($"threadline pid {server.Pid} at {server.BaseUrl} ({string.Join(' ', settings.Concat(options.ServerArgs).DefaultIfEmpty("defaults"))})");
        return server;
    }

    /// <summary>The bare ASP.NET Core endpoint: this executable in <c>baseline</c> mode, as a separate process.</summary>
    public async Task<ServiceProcess> StartBaselineAsync(CancellationToken ct)
    {
        var baseline = await ServiceProcess.StartAsync("baseline", RepoLayout.BenchDll, [BareEndpoint.Mode], ct);
        Log($"bare endpoint pid {baseline.Pid} at {baseline.BaseUrl}");
        return baseline;
    }

    /// <summary>The durable-storage limit: this executable in <c>durable-baseline</c> mode, storing into <paramref name="dataDirectory"/>.</summary>
    public async Task<ServiceProcess> StartDurableBaselineAsync(string dataDirectory, CancellationToken ct)
    {
        var baseline = await ServiceProcess.StartAsync("durable-baseline", RepoLayout.BenchDll, [DurableEndpoint.Mode, "--DataDirectory", dataDirectory], ct);
        Log($"durable-storage limit pid {baseline.Pid} at {baseline.BaseUrl}");
        return baseline;
    }

    /// <summary>The fake OpenAI-compatible upstream (tests/Threadline.FakeUpstream) in its standalone mode.</summary>
    public async Task<ServiceProcess> StartFakeUpstreamAsync(int latencyMs, int tokens, int intervalMs, CancellationToken ct)
    {
        var fake = await ServiceProcess.StartAsync("fake-upstream", RepoLayout.FakeUpstreamDll,
            ["--latency-ms", I(latencyMs), "--token-count", I(tokens), "--token-interval-ms", I(intervalMs)], ct);
        Log($"fake upstream pid {fake.Pid} at {fake.BaseUrl} ({latencyMs} ms to first token, {tokens} tokens, {intervalMs} ms apart)");
        return fake;
    }

    /// <summary>The fake upstream serving <c>POST /v1/embeddings</c> with <paramref name="dimensions"/>-long vectors to requests that name none.</summary>
    public async Task<ServiceProcess> StartFakeEmbedderAsync(int dimensions, CancellationToken ct)
    {
        var fake = await ServiceProcess.StartAsync("fake-upstream", RepoLayout.FakeUpstreamDll, ["--embedding-dimensions", I(dimensions)], ct);
        Log($"fake upstream pid {fake.Pid} at {fake.BaseUrl} (embeddings of {dimensions} dimensions)");
        return fake;
    }

    public static async Task<string> CreateAssistantAsync(HttpClient api, string model, CancellationToken ct)
    {
        var assistant = await Http.PostAsync(api, "assistants", new JsonObject { ["model"] = model, ["name"] = "bench" }, ct);
        return (string)assistant["id"]!;
    }

    /// <summary>Runs <paramref name="count"/> calls of <paramref name="body"/> with at most <paramref name="degree"/> at once.</summary>
    public static Task ForAsync(int count, int degree, Func<int, CancellationToken, ValueTask> body, CancellationToken ct) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, degree), CancellationToken = ct }, body);

    private static string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
