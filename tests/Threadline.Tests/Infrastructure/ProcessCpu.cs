using System.Diagnostics;
using System.Globalization;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The CPU time a process has used, read from <c>/proc/&lt;pid&gt;/stat</c> (Linux): <c>utime + stime</c> of
/// all its threads, in clock ticks of 1/100 s (USER_HZ is 100 on Linux).
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time used so far by the process.</summary>
    public static TimeSpan Used(int processId)
    {
        var path = $"/proc/{processId}/stat";
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} does not exist: process CPU is read from procfs (Linux only), or process {processId} is gone.");
        var stat = File.ReadAllText(path);
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields are counted after the last ')'.
        // Counted from 1 over the whole line, utime is field 14 and stime field 15; after the ')' field 3 (state) comes first.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The process's CPU use over <paramref name="window"/> of wall-clock time, in percent of one core.</summary>
    public static async Task<double> PercentOfOneCoreAsync(int processId, TimeSpan window)
    {
        var before = Used(processId);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window); // a measuring window, not a wait for an event
        var after = Used(processId);
        return (after - before).TotalMilliseconds * 100 / clock.Elapsed.TotalMilliseconds;
    }
}
