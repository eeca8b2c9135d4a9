using System.Diagnostics;
using System.Text.RegularExpressions;
using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// The example WhatsApp bridge (<c>examples/WhatsAppBridge</c>), run as its own process as it would be
/// deployed: <c>dotnet WhatsAppBridge.dll --urls http://127.0.0.1:0 --WhatsApp:Key=Value ...</c>, with its
/// output kept for failure messages. The test project builds it (a ProjectReference that references no assembly).
/// </summary>
internal sealed partial class BridgeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutputLog _log;

    private BridgeProcess(Process process, ProcessOutputLog log, Uri baseUrl)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
    }

    /// <summary>The bridge root, e.g. <c>http://127.0.0.1:12345/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Where Meta posts: <c>/webhook</c>.</summary>
    public Uri MetaWebhookUrl => new(BaseUrl, "webhook");

    /// <summary>Where Threadline posts: <c>/threadline/events</c>.</summary>
    public Uri ThreadlineEventsUrl => new(BaseUrl, "threadline/events");

    public static string AssemblyPath =>
        Path.Combine(RepositoryLayout.Root, "examples", "WhatsAppBridge", "bin", RepositoryLayout.Configuration, RepositoryLayout.TargetFramework, "WhatsAppBridge.dll");

    public string FormatLog(int maxLines = 200) => _log.Format(maxLines);

    /// <summary>Waits for an output line that matches, whether already written or still to come.</summary>
    public Task<string> WaitForLogLineAsync(Func<string, bool> match, TimeSpan timeout) => _log.WaitForAsync(match, timeout);

    /// <summary>Starts the bridge with <paramref name="settings"/> as the <c>WhatsApp</c> section (keys without the prefix).</summary>
    public static async Task<BridgeProcess> StartAsync(IReadOnlyDictionary<string, string> settings, TimeSpan? startupTimeout = null)
    {
        var assembly = AssemblyPath;
        if (!File.Exists(assembly))
            throw new FileNotFoundException($"The bridge build output '{assembly}' is missing; build the solution ({RepositoryLayout.Configuration}) first.", assembly);

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
        foreach (var (key, value) in settings)
            info.ArgumentList.Add($"--WhatsApp:{key}={value}");
        foreach (var inherited in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
            info.Environment.Remove(inherited);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";

        var log = new ProcessOutputLog();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Add("[stderr] " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var timeout = startupTimeout ?? TimeSpan.FromSeconds(30);
            using var stop = new CancellationTokenSource();
            var listening = log.WaitForAsync(line => DotnetProcess.ListeningLine().IsMatch(line), timeout, stop.Token);
            var exited = process.WaitForExitAsync(stop.Token);
            var first = await Task.WhenAny(listening, exited);
            await stop.CancelAsync();
            if (first == listening && listening.IsCompletedSuccessfully)
                return new BridgeProcess(process, log, new Uri(DotnetProcess.ListeningLine().Match(listening.Result).Groups["url"].Value.TrimEnd('/') + "/"));
            if (first == exited && exited.IsCompletedSuccessfully)
            {
                process.WaitForExit();
                throw new InvalidOperationException($"The bridge exited with code {process.ExitCode} before listening.\n{log.Format()}");
            }

            throw new TimeoutException($"The bridge did not log 'Now listening on' within {timeout}.\n{log.Format()}");
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill(_process);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    public override string ToString() => $"WhatsApp bridge pid {_process.Id} at {BaseUrl}";

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }


}
