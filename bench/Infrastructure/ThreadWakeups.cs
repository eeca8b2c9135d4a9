using System.Globalization;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// Context switches of every thread of a process (<c>/proc/&lt;pid&gt;/task/*/status</c>), summed: how
/// often its threads woke up. An idle server that polls shows it here even when each wake-up is too
/// short to add up to much CPU.
/// </summary>
internal static class ThreadWakeups
{
    public static long Read(int pid)
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                            || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                            total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
                catch (IOException)
                {
                    // The thread ended while it was read.
                }
            }
        }
        catch (IOException)
        {
        }
        return total;
    }
}
