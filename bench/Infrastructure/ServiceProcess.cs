using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// A server under test (Threadline, the fake upstream, the baseline) run as a separate process
/// (<c>dotnet X.dll --urls http://127.0.0.1:0 ...</c>), reachable once it logs ASP.NET Core's
/// <c>Now listening on: http://127.0.0.1:PORT</c>.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 300;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    /// <summary>Kept from the start, so that it can still be named after the process was disposed (a scenario that failed after stopping it).</summary>
    public int Pid => _pid ??= _process.Id;
    private int? _pid;
    public Uri BaseUrl { get; private set; } = null!;
    public bool HasExited
    {
        get
        {
            try
            {
                return _disposed || _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/> --urls http://127.0.0.1:0 <paramref name="arguments"/></c> and waits until it listens.</summary>
    public static async Task<ServiceProcess> StartAsync(string name, string dll, IEnumerable<string> arguments, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{name}: build output '{dll}' is missing (run without --no-build).", dll);
        var info = new ProcessStartInfo(RepoLayout.DotnetHost)
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var inherited in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
            info.Environment.Remove(inherited);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data is null ? null : "[stderr] " + e.Data);
        process.Start();
        _ = service.Pid;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var exited = process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(service._listening.Task, exited);
        if (first == service._listening.Task)
        {
            service.BaseUrl = await service._listening.Task;
            MachineLoad.Track(service);
            return service;
        }
        service.Kill();
        ct.ThrowIfCancellationRequested();
        throw new InvalidOperationException(
            $"{name} did not start listening (exit code {(process.HasExited ? process.ExitCode : -1)}):\n{service.Tail()}");
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int count = 40)
    {
        lock (_lines)
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)));
    }

    /// <summary>Lines of output that contain <paramref name="text"/> (of the last few hundred).</summary>
    public int CountLines(string text)
    {
        lock (_lines)
            return _lines.Count(l => l.Contains(text, StringComparison.Ordinal));
    }

    /// <summary>CPU seconds used so far (the last reading, kept once the process has exited).</summary>
    public double LastCpuSeconds
    {
        get
        {
            try
            {
                if (!_disposed && !_process.HasExited)
                    _lastCpu = Math.Max(_lastCpu, ProcessSample.Read(_process.Id).CpuSeconds);
            }
            catch (InvalidOperationException)
            {
            }
            return _lastCpu;
        }
    }

    private double _lastCpu;
    private bool _disposed;

    public ProcessSample Sample()
    {
        var sample = ProcessSample.Read(Pid);
        _lastCpu = Math.Max(_lastCpu, sample.CpuSeconds);
        return sample;
    }

    /// <summary>SIGKILL: a crash, nothing flushed by the process itself.</summary>
    public void Kill()
    {
        _ = LastCpuSeconds;
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>SIGTERM and wait for a graceful exit (10 s), then SIGKILL.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
            return;
        _ = LastCpuSeconds;
        _ = SendSignal(_process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _ = LastCpuSeconds;
        _disposed = true;
        _process.Dispose();
    }

    /// <summary>Output lines logged at warning level or above (<c>warn:</c>, <c>fail:</c>, <c>crit:</c>), the whole run long.</summary>
    public int WarningLines => Volatile.Read(ref _warnings);

    /// <summary>The first few distinct warning lines (with the line after each: the message), for the report.</summary>
    public IReadOnlyList<string> FirstWarnings
    {
        get
        {
            lock (_firstWarnings)
                return _firstWarnings.ToList();
        }
    }

    private int _warnings;
    private bool _keepNext;
    private readonly List<string> _firstWarnings = [];

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_firstWarnings)
        {
            if (_keepNext && _firstWarnings.Count > 0)
                _firstWarnings[^1] += " " + line.Trim();
            _keepNext = false;
            // Threadline.Startup[11] (auth off, loopback only) is expected here: every server runs without keys.
            if ((line.StartsWith("warn:", StringComparison.Ordinal) && !line.Contains("Threadline.Startup[11]", StringComparison.Ordinal))
                || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                _warnings++;
                if (_firstWarnings.Count < 5 && !_firstWarnings.Any(w => w.StartsWith(line, StringComparison.Ordinal)))
                {
                    _firstWarnings.Add(line);
                    _keepNext = true;
                }
            }
        }
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
                _lines.Dequeue();
        }
        if (!_listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
            _listening.TrySetResult(new Uri(match.Groups["url"].Value.TrimEnd('/') + "/"));
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)/?")]
    private static partial Regex ListeningLine();
}
