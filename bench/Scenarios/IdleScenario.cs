using System.Diagnostics;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 7. A server's CPU while nothing is asked of it, in each state that has a background loop something
/// to wait for (see <see cref="IdleStates"/>): a fresh server per state, set up, left to settle, then its
/// utime + stime (/proc/&lt;pid&gt;/stat) counted over the window. Target: at most 1% of one core in every state.
/// </summary>
internal static class IdleScenario
{
    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var states = IdleStates.All(o.IdleSettleSeconds, o.IdleSeconds);
        result.Setup = $"Each state on a fresh server (defaults, plus the settings the state names): set up through the API, left alone for {o.IdleSettleSeconds:0.#} s, " +
            $"then its CPU (utime + stime from /proc/<pid>/stat, 10 ms ticks) and its threads' context switches (wake-ups, /proc/<pid>/task/*/status) are counted over " +
            $"{o.IdleSeconds:0.#} s with no request. States: " +
            string.Join("; ", states.Select(s => $"**{s.Name}**: {s.How}{(s.Settings.Count > 0 ? $" (`{s.Settings[0]}` and on, {s.Settings.Count} one-second retries)" : "")}")) + ".";

        foreach (var state in states)
        {
            var dir = ctx.NewDataDirectory("idle");
            await using (var server = await ctx.StartThreadlineAsync(dir, state.Settings, ct))
            {
                using var api = Http.Client(new Uri(server.BaseUrl, "v1/"));
                await using var db = new ServerDatabase(dir);
                var setup = await state.SetUpAsync(api, db, ct);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(o.IdleSettleSeconds), ct);
                    var held = await setup.Describe(ct);
                    var (cpuSeconds, wakeups, seconds) = await MeasureAsync(server, TimeSpan.FromSeconds(o.IdleSeconds), ct);
                    var heldAfter = await setup.Describe(ct);
                    var percent = cpuSeconds / seconds * 100;
                    ctx.Log($"idle, {state.Name}: {percent:0.00}% of a core, {wakeups / seconds:0} wake-ups/s ({heldAfter})");

                    result.Detail($"{state.Name}: CPU seconds over {seconds:0.#} s / % of one core", $"{cpuSeconds:0.00} / {percent:0.00}");
                    result.Detail($"{state.Name}: thread wake-ups per second", wakeups / seconds);
                    result.Detail($"{state.Name}: state before / after the window", $"{held} / {heldAfter}");
                    result.Target($"idle CPU ≤ 1% of a core: {state.Name}", "≤ 1%",
                        $"{percent:0.00}% ({cpuSeconds:0.00} s CPU over {seconds:0.#} s; {wakeups / seconds:0} wake-ups/s)", percent <= 1);
                }
                finally
                {
                    setup.Keep?.Dispose();
                }
                result.Warnings(server, $"{state.Name}: Threadline");
            }
            ctx.Discard(dir);
        }
    }

    /// <summary>CPU seconds and thread wake-ups of the server over <paramref name="window"/>, and the window's real length.</summary>
    private static async Task<(double CpuSeconds, long Wakeups, double Seconds)> MeasureAsync(ServiceProcess server, TimeSpan window, CancellationToken ct)
    {
        var cpu = server.Sample().CpuSeconds;
        var wakeups = ThreadWakeups.Read(server.Pid);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        return (server.Sample().CpuSeconds - cpu, ThreadWakeups.Read(server.Pid) - wakeups, seconds);
    }
}
