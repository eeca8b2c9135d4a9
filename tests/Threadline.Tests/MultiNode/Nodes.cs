using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// Several Threadline server processes on one data directory, hence one PostgreSQL database
/// (<see cref="TestStorage"/>): the nodes of a deployment. A node can be SIGKILLed and started again;
/// it comes back on a fresh port, as a replaced container would, so clients must find it anew.
/// </summary>
internal sealed class Nodes : IAsyncDisposable
{
    private readonly ThreadlineServerOptions _options;
    private readonly ThreadlineServer?[] _live;
    private readonly List<ThreadlineServer> _all = [];

    private Nodes(ThreadlineServerOptions options, ThreadlineServer[] started)
    {
        _options = options;
        _live = started;
        _all.AddRange(started);
    }

    public int Count => _live.Length;

    /// <summary>The node in slot <paramref name="i"/>; fails while it is down.</summary>
    public ThreadlineServer this[int i] => _live[i] ?? throw new InvalidOperationException($"node {i} is down");

    public string DataDirectory => _options.DataDirectory!;

    public static async Task<Nodes> StartAsync(int count, IReadOnlyDictionary<string, string>? arguments = null)
    {
        var options = new ThreadlineServerOptions
        {
            DataDirectory = ThreadlineServer.CreateDataDirectory(),
            Arguments = arguments ?? new Dictionary<string, string>(),
        };
        var started = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => ThreadlineServer.StartAsync(options)));
        return new Nodes(options, started);
    }

    /// <summary>A node that is up, chosen at random; null in the instant no node is.</summary>
    public ThreadlineServer? PickLive(Random random)
    {
        var live = _live.Where(n => n is not null).ToArray();
        return live.Length == 0 ? null : live[random.Next(live.Length)];
    }

    /// <summary>SIGKILL: taken out of <see cref="PickLive"/> first, so that only requests already sent see the crash.</summary>
    public void Kill(int i)
    {
        var node = this[i];
        Volatile.Write(ref _live[i], null);
        node.Kill();
    }

    public async Task RestartAsync(int i)
    {
        var node = await ThreadlineServer.StartAsync(_options);
        lock (_all)
            _all.Add(node);
        Volatile.Write(ref _live[i], node);
    }

    /// <summary>Every process's recent output (the killed ones too), for a failure message.</summary>
    public string FormatLogs(int linesEach = 30)
    {
        lock (_all)
            return string.Join("\n", _all.Select(n => $"--- {n}\n{n.FormatLog(linesEach)}"));
    }

    /// <summary>
    /// Stops every node, and then counts the deadlocks PostgreSQL found in their database: a backend
    /// reports its statistics when it exits, so the count is read once the nodes' connections are gone.
    /// </summary>
    public async Task<long> StopAndCountDeadlocksAsync(TimeSpan timeout)
    {
        await Task.WhenAll(_all.Select(n => n.DisposeAsync().AsTask()));
        return await TestStorage.DeadlocksAsync(DataDirectory, timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_all.Select(n => n.DisposeAsync().AsTask()));
        TestStorage.Drop(DataDirectory);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
