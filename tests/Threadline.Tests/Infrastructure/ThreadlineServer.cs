using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using OpenAI.Assistants;
using OpenAI.Conversations;
using OpenAI.Responses;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The real server, run as a separate process (<c>dotnet src/Threadline/bin/&lt;Configuration&gt;/&lt;tfm&gt;/Threadline.dll</c>)
/// on a free loopback port, with its output kept for assertions and failure messages.
/// </summary>
/// <remarks>
/// Start: launch with <c>--urls http://127.0.0.1:0 --Threadline:DataDirectory &lt;dir&gt;</c> plus the
/// caller's <c>--Key=Value</c> arguments, in the Production environment with the simple console
/// log format; read stdout and stderr asynchronously; wait (at most
/// <see cref="ThreadlineServerOptions.StartupTimeout"/>) for ASP.NET Core's
/// <c>Now listening on: http://127.0.0.1:PORT</c>. Stop: SIGTERM and wait for a graceful exit
/// (<see cref="StopAsync"/>), or SIGKILL the process tree at once (<see cref="Kill"/>), to
/// simulate a crash.
/// </remarks>
internal sealed partial class ThreadlineServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutputLog _log;
    private readonly ThreadlineServerOptions _options;
    private readonly bool _ownsDataDirectory;
    private int _disposed;

    private ThreadlineServer(Process process, ProcessOutputLog log, ThreadlineServerOptions options, string dataDirectory, bool ownsDataDirectory, Uri baseUrl)
    {
        _process = process;
        _log = log;
        _options = options;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        BaseUrl = baseUrl;
        ApiUrl = new Uri(baseUrl, "v1/");
    }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:12345/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary><see cref="BaseUrl"/> + <c>v1/</c>: the OpenAI-compatible API root.</summary>
    public Uri ApiUrl { get; }

    /// <summary>The data directory the server was started on.</summary>
    public string DataDirectory { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Exited after <see cref="StopAsync"/> on its own, not killed by the harness for taking too long.</summary>
    public bool ExitedByItself => _process.HasExited && !_log.Lines.Any(l => l.StartsWith(NoExitLine, StringComparison.Ordinal));

    private const string NoExitLine = "[harness] no exit";

    /// <summary>Output lines so far (stderr lines prefixed <c>[stderr] </c>).</summary>
    public IReadOnlyList<string> LogLines => _log.Lines;

    /// <summary>The output so far, ready to put in a failure message.</summary>
    public string FormatLog(int maxLines = 200) => _log.Format(maxLines);

    /// <summary>A fresh empty folder under the temp directory, for <see cref="ThreadlineServerOptions.DataDirectory"/>.</summary>
    public static string CreateDataDirectory() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "threadline-tests", Guid.NewGuid().ToString("N"))).FullName;

    public static async Task<ThreadlineServer> StartAsync(ThreadlineServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ThreadlineServerOptions();
        var assembly = RepositoryLayout.ServerAssemblyPath;
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException(
                $"The server build output '{assembly}' is missing; build the solution ({RepositoryLayout.Configuration}) first.", assembly);
        }

        var ownsDataDirectory = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? CreateDataDirectory();
        Directory.CreateDirectory(dataDirectory);

        var log = new ProcessOutputLog(options.OnOutputLine);
        var process = new Process { StartInfo = CreateStartInfo(assembly, dataDirectory, options), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Add("[stderr] " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var baseUrl = await WaitUntilListeningAsync(process, log, options.StartupTimeout, cancellationToken).ConfigureAwait(false);
            return new ThreadlineServer(process, log, options, dataDirectory, ownsDataDirectory, baseUrl);
        }
        catch
        {
            KillTree(process);
            process.Dispose();
            if (ownsDataDirectory)
            {
                TryDeleteDirectory(dataDirectory);
            }

            throw;
        }
    }

    /// <summary>A client for <see cref="ApiUrl"/> (use relative paths without a leading slash: <c>"assistants"</c>), sending <c>OpenAI-Beta: assistants=v2</c>.</summary>
    public HttpClient CreateHttpClient(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = ApiUrl };
        client.DefaultRequestHeaders.Add("OpenAI-Beta", "assistants=v2");
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>The official SDK's assistants client pointed at <see cref="ApiUrl"/>, with retries off so failures show at once.</summary>
    public AssistantClient CreateAssistantClient(string apiKey = "test-key") =>
        new(new ApiKeyCredential(apiKey), new AssistantClientOptions
        {
            Endpoint = ApiUrl,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    /// <summary>The official SDK's Responses client pointed at <see cref="ApiUrl"/>, with retries off.</summary>
    public ResponsesClient CreateResponsesClient(string apiKey = "test-key") =>
        new(new ApiKeyCredential(apiKey), new ResponsesClientOptions { Endpoint = ApiUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    /// <summary>The official SDK's Conversations client pointed at <see cref="ApiUrl"/>, with retries off.</summary>
    public ConversationClient CreateConversationClient(string apiKey = "test-key") =>
        new(new ApiKeyCredential(apiKey), new ConversationClientOptions { Endpoint = ApiUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    /// <summary>Waits for an output line that matches, whether already written or still to come.</summary>
    public Task<string> WaitForLogLineAsync(Func<string, bool> match, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _log.WaitForAsync(match, timeout ?? TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>SIGKILL the process and its children at once: a crash, with no graceful shutdown.</summary>
    public void Kill() => KillTree(_process);

    /// <summary>SIGTERM and wait for a graceful exit; kills the process tree if it takes longer than the shutdown timeout.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            if (OperatingSystem.IsWindows())
            {
                KillTree(_process);
            }
            else
            {
                await SendSigtermAsync(_process.Id).ConfigureAwait(false);
            }
        }

        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _log.Add($"{NoExitLine} within {_options.ShutdownTimeout} of SIGTERM; killing the process tree");
            KillTree(_process);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        if (_ownsDataDirectory)
        {
            TryDeleteDirectory(DataDirectory);
            TestStorage.Drop(DataDirectory);
        }
    }

    public override string ToString() => $"Threadline server pid {_process.Id} at {BaseUrl} on {DataDirectory}";

    private static ProcessStartInfo CreateStartInfo(string assembly, string dataDirectory, ThreadlineServerOptions options)
    {
        var info = new ProcessStartInfo(DotnetProcess.Host())
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.ArgumentList.Add("--Threadline:DataDirectory");
        info.ArgumentList.Add(dataDirectory);
        // The suites' store (SQLite, or the folder's PostgreSQL database); a test's own arguments come later and win.
        foreach (var (key, value) in TestStorage.SettingsFor(dataDirectory))
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        foreach (var (key, value) in options.Arguments)
        {
            info.ArgumentList.Add($"--{key}={value}");
        }

        // Production, whatever the developer's shell says, and an output the harness can read.
        foreach (var inherited in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            info.Environment.Remove(inherited);
        }

        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in options.EnvironmentVariables)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return info;
    }

    private static async Task<Uri> WaitUntilListeningAsync(Process process, ProcessOutputLog log, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var listening = log.WaitForAsync(line => DotnetProcess.ListeningLine().IsMatch(line), timeout, stop.Token);
        var exited = process.WaitForExitAsync(stop.Token);
        var first = await Task.WhenAny(listening, exited).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);

        if (first == listening && listening.IsCompletedSuccessfully)
        {
            var url = DotnetProcess.ListeningLine().Match(listening.Result).Groups["url"].Value.TrimEnd('/');
            return new Uri(url + "/");
        }

        if (first == exited && exited.IsCompletedSuccessfully)
        {
            process.WaitForExit(); // let the output readers finish
            throw new InvalidOperationException(
                $"The server exited with code {process.ExitCode} before listening.\n{log.Format()}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new TimeoutException(
            $"The server did not log 'Now listening on: http://127.0.0.1:<port>' within {timeout}.\n{log.Format()}");
    }

    private static async Task SendSigtermAsync(int processId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", processId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
        if (kill is not null)
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }


}
