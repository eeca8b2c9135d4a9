using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Threadline.Api;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Hosting;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Threads;

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

    /// <summary>A background service registered only as a hosted service (not started here: the test runs its passes).</summary>
    public T Hosted<T>() where T : IHostedService => Services.GetServices<IHostedService>().OfType<T>().Single();

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
            // On a fake clock a reply's start is stored at once (not 25 ms into its stream), unless a test says otherwise.
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Threadline:DataDirectory"] = directory, ["Threadline:Queue:ReplyStoreDelay"] = "00:00:00" })
            .AddInMemoryCollection(TestStorage.SettingsFor(directory).Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
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
    public Task<Run> UntilRunAsync(string runId, Func<Run, bool> condition, TimeSpan? timeout = null) =>
        UntilAsync(runId, () => ReadRunAsync(runId), condition, run => $"run {runId} is still {run.Status}", timeout);

    /// <summary>Waits until what <paramref name="read"/> returns meets <paramref name="condition"/>, reading again at each change of the run.</summary>
    public async Task<T> UntilAsync<T>(string runId, Func<Task<T>> read, Func<T, bool> condition, Func<T, string> describe, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            var changed = Store.Changes.WhenRunChangesAsync(runId);
            var value = await read();
            if (condition(value))
            {
                Store.Changes.StopWaiting(runId, changed);
                return value;
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{describe(value)} after {limit}");
            }
        }
    }

    /// <summary>
    /// An assistant on <paramref name="model"/>, a thread with the user's <paramref name="message"/>, and a run on it made
    /// through <see cref="RunService"/>: with the queue enabled it is claimed in the request's transaction and starts at once.
    /// </summary>
    public async Task<Run> CreateRunAsync(string message, string model = "echo")
    {
        var ct = CancellationToken.None;
        var assistant = await Get<AssistantService>().CreateAsync(Project, new AssistantSettings { Model = model }, ct);
        var thread = (await Get<ThreadService>().CreateAsync(Project, new NewThread(null, RawJson.Null, RawJson.EmptyObject,
            [new NewMessage(MessageRole.User, MessageContent.FromText(message), RawJson.Null, RawJson.EmptyObject)]), ct)).Thread;
        return await CreateRunOnThreadAsync(thread.Id, assistant.Id);
    }

    /// <summary>Another run on the thread (queued behind its runs), the same way.</summary>
    public async Task<Run> CreateRunOnThreadAsync(string threadId, string assistantId) =>
        (await Get<RunService>().CreateAsync(Project, threadId, new CreateRun(new RunSettings { AssistantId = assistantId }, null, []), CancellationToken.None))
            .OrThrow().Run!;

    public async Task<Run> ReadRunAsync(string runId) =>
        await Store.ReadAsync(s => s.Runs.RunGetByIdAsync(runId), CancellationToken.None) ?? throw new InvalidOperationException($"no run {runId}");

    /// <summary>The assistant's messages in the thread, oldest first.</summary>
    public async Task<IReadOnlyList<Message>> RepliesAsync(string threadId) =>
        (await Store.ReadAsync(s => s.Messages.MessageListAsync(Project, threadId, null, PageRequest.All, messagesOnly: false), CancellationToken.None)).Items
            .Where(m => m.Role == MessageRole.Assistant).OrderBy(m => m.Position).ToList();

    /// <summary>Moves the fake clock forward by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (!_ownsDirectory)
            return;
        TestStorage.Drop(Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
