using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Threadline.Hosting;
using Threadline.Storage;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The server's core in this process, built by the server's own registration
/// (<see cref="ThreadlineServices.AddThreadlineCore"/>) on a real SQLite file in a fresh folder and a
/// fake clock. No background service runs: a test drives the scheduler, the lease keeper and the
/// dispatcher one pass at a time (<c>RunOnceAsync</c>), so time passes only when it moves
/// <see cref="Clock"/>.
/// </summary>
internal sealed class CoreHarness : IAsyncDisposable
{
    public const string Project = "default";

    private readonly bool _ownsDirectory;

    private CoreHarness(string directory, bool ownsDirectory, ServiceProvider services, FakeTimeProvider clock)
    {
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Services = services;
        Clock = clock;
    }

    public string Directory { get; }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Clock { get; }

    public IStore Store => Get<IStore>();

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <param name="settings">Configuration as the server would read it, e.g. <c>["Threadline:Queue:LeaseTimeout"] = "00:00:30"</c>.</param>
    /// <param name="directory">The data folder of a database to open again (as another process would); the harness leaves it in place. Default: a fresh folder, deleted with the harness.</param>
    /// <param name="configure">Registrations that replace the server's (options objects, fakes of what is not under test).</param>
    /// <param name="clock">A clock shared with other harnesses on the same database; default: one of its own.</param>
    public static async Task<CoreHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, string? directory = null,
        Action<IServiceCollection>? configure = null, FakeTimeProvider? clock = null)
    {
        var ownsDirectory = directory is null;
        directory ??= System.IO.Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "threadline-tests", "core-" + Guid.NewGuid().ToString("N"))).FullName;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Threadline:DataDirectory"] = directory })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        clock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddThreadlineCore(configuration);
        services.AddSingleton<TimeProvider>(clock);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await provider.GetRequiredService<IStore>().MigrateAsync(CancellationToken.None);
        return new CoreHarness(directory, ownsDirectory, provider, clock);
    }

    /// <summary>
    /// Waits (in real time, at most <paramref name="timeout"/>) until the run meets <paramref name="condition"/>:
    /// executions run on tasks of their own; the store announces each change of the run.
    /// </summary>
    public async Task<Threadline.Runs.Run> UntilRunAsync(string runId, Func<Threadline.Runs.Run, bool> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var changed = Store.Changes.WhenRunChangesAsync(runId);
            var run = await Store.ReadAsync(s => s.Runs.RunGetByIdAsync(runId), CancellationToken.None)
                ?? throw new InvalidOperationException($"no run {runId}");
            if (condition(run))
                return run;
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"run {runId} is still {run.Status} after {timeout ?? TimeSpan.FromSeconds(15)}");
            }
        }
    }

    /// <summary>Moves the fake clock forward by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (!_ownsDirectory)
            return;
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
