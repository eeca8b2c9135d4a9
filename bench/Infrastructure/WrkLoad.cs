using System.Globalization;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The load generator when <c>wrk</c> is on PATH: wrk with the harness's Lua script (wrk-load.lua,
/// embedded in this assembly) for the request, one wrk run for the warm-up and one for the measured
/// window. wrk is written in C and uses a fraction of the CPU the harness's HttpClient would, which
/// matters when the server and the load share two cores.
/// </summary>
internal sealed class WrkLoad(string wrk, string version, string scratch) : ILoadGenerator
{
    private const string ScriptResource = "Threadline.Bench.wrk-load.lua";

    public string Name => version;

    /// <summary>wrk on PATH with its version line, or null.</summary>
    public static async Task<WrkLoad?> FindAsync(string scratch, CancellationToken ct)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "wrk")).FirstOrDefault(File.Exists);
        if (path is null)
            return null;
        // `wrk -v` prints "wrk <version> [epoll] Copyright ..." and its usage, and exits 1.
        var (_, output) = await Builder.RunAsync(path, ["-v"], ct);
        var first = output.Split('\n')[0];
        var copyright = first.IndexOf(" Copyright", StringComparison.Ordinal);
        return new WrkLoad(path, copyright > 0 ? first[..copyright] : "wrk", scratch);
    }

    public async Task<LoadResult> RunAsync(LoadRequest request, int clients, TimeSpan warmup, TimeSpan window, ServiceProcess server, CancellationToken ct)
    {
        var dir = Directory.CreateDirectory(Path.Combine(scratch, "wrk-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var script = Path.Combine(dir, "wrk-load.lua");
        await using (var resource = typeof(WrkLoad).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"{ScriptResource} is not embedded in the harness."))
        await using (var file = File.Create(script))
            await resource.CopyToAsync(file, ct);
        var environment = new Dictionary<string, string>
        {
            ["BENCH_METHOD"] = request.Method,
            ["BENCH_PATH"] = "/" + request.PathTemplate,
            ["BENCH_IDEMPOTENCY_KEYS"] = request.IdempotencyKeys ? "1" : "0",
            ["BENCH_CAPTURE"] = request.CaptureIds ? "1" : "0",
            ["BENCH_NONCE"] = Guid.NewGuid().ToString("N")[..12],
        };
        if (request.Body is { } body)
        {
            environment["BENCH_BODY_FILE"] = Path.Combine(dir, "body.json");
            await File.WriteAllTextAsync(environment["BENCH_BODY_FILE"], body, ct);
        }
        if (request.Ids.Count > 0)
        {
            environment["BENCH_IDS_FILE"] = Path.Combine(dir, "ids.txt");
            await File.WriteAllLinesAsync(environment["BENCH_IDS_FILE"], request.Ids, ct);
        }

        var warm = warmup > TimeSpan.Zero ? await RunOnceAsync("warmup", warmup) : null;
        var atStart = server.Sample();
        var measured = await RunOnceAsync("window", window);
        var atEnd = server.Sample();

        var acked = (warm?.AckedIds ?? []).Concat(measured.AckedIds).ToList();
        var successes = Math.Max(0, measured.Requests - measured.StatusErrors);
        return new LoadResult(measured.Latency, measured.Errors, successes / measured.Seconds, measured.Seconds, successes,
            atStart, atEnd, measured.CpuSeconds, measured.FirstFailure, measured.Requests + (warm?.Requests ?? 0), acked);

        async Task<WrkReport> RunOnceAsync(string phase, TimeSpan length)
        {
            var phaseEnvironment = new Dictionary<string, string>(environment)
            {
                ["BENCH_RESULT_FILE"] = Path.Combine(dir, phase + ".result"),
                ["BENCH_CAPTURE_FILE"] = Path.Combine(dir, phase + ".ids"),
            };
            var threads = Math.Max(1, Math.Min(clients, Environment.ProcessorCount));
            var (code, output) = await Builder.RunAsync(wrk,
            [
                "-t", I(threads), "-c", I(Math.Max(clients, threads)), "-d", WholeSeconds(length), "--timeout", "30s", "--latency",
                "-s", script, new Uri(server.BaseUrl, "/").ToString(),
            ], ct, dir, phaseEnvironment);
            if (code != 0 || !File.Exists(phaseEnvironment["BENCH_RESULT_FILE"]))
                throw new InvalidOperationException($"wrk exited with {code}:\n{Http.Truncate(output, 2000)}");
            var report = await WrkReport.ReadAsync(phaseEnvironment["BENCH_RESULT_FILE"], request.CaptureIds ? phaseEnvironment["BENCH_CAPTURE_FILE"] : null, ct);
            MachineLoad.AddHelperCpu(report.CpuSeconds);
            return report;
        }
    }

    /// <summary>wrk takes whole seconds ("2s"): a shorter span is rounded up to one second.</summary>
    private static string WholeSeconds(TimeSpan span) => I(Math.Max(1, (int)Math.Ceiling(span.TotalSeconds - 0.001))) + "s";

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
