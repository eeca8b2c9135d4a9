using System.Diagnostics;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of one test's own (<c>tests/postgres/cluster.sh</c>, as <c>./test.sh</c> starts the
/// suites' one), so that the test can take it down and bring it back without disturbing the others:
/// <see cref="PauseAsync"/> stops the server and keeps its data, <see cref="RestartAsync"/> starts it
/// again on the same port, <see cref="FreezeAsync"/> and <see cref="ThawAsync"/> make it hang and go on,
/// <see cref="DisposeAsync"/> stops it and deletes it.
/// </summary>
internal sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    private readonly string _directory;
    private int _disposed;

    private PostgresCluster(string directory, string connectionString) =>
        (_directory, ConnectionString) = (directory, connectionString);

    /// <summary>An Npgsql connection string to its <c>postgres</c> database, as its superuser.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresCluster> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "threadline-pg-own-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var output = await ScriptAsync("start", directory);
            return new PostgresCluster(directory, output.Trim().Split('\n')[^1]);
        }
        catch
        {
            await ScriptAsync("stop", directory);
            throw;
        }
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m immediate</c>, a crash, or <c>fast</c>, a clean shutdown), keeping its data.</summary>
    public Task PauseAsync(string mode = "immediate") => ScriptAsync("pause", _directory, mode);

    /// <summary>Starts the paused server again on its port; returns once it accepts connections.</summary>
    public Task RestartAsync() => ScriptAsync("restart", _directory);

    /// <summary>Stops the server's processes where they are (SIGSTOP): connections stay open and nothing answers, as when its host is gone.</summary>
    public Task FreezeAsync() => ScriptAsync("freeze", _directory);

    /// <summary>Lets the frozen processes go on (SIGCONT).</summary>
    public Task ThawAsync() => ScriptAsync("thaw", _directory);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            await ScriptAsync("stop", _directory);
    }

    private static async Task<string> ScriptAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(RepositoryLayout.Root, "tests", "postgres", "cluster.sh"));
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
