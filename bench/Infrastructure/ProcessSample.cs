using System.Globalization;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// A reading of a process from <c>/proc</c>: resident memory now (<c>VmRSS</c>) and at its peak
/// (<c>VmHWM</c>), CPU time, and context switches.
/// </summary>
internal readonly record struct ProcessSample(long RssKb, long PeakRssKb, double CpuSeconds, long VoluntarySwitches, long InvoluntarySwitches)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public double RssMb => RssKb / 1024.0;
    public double PeakRssMb => PeakRssKb / 1024.0;

    /// <summary>Several processes as one: CPU and context switches added, memory the largest process's.</summary>
    public static ProcessSample Combine(IEnumerable<ProcessSample> samples)
    {
        var all = samples.ToList();
        return new ProcessSample(all.Max(s => s.RssKb), all.Max(s => s.PeakRssKb), all.Sum(s => s.CpuSeconds),
            all.Sum(s => s.VoluntarySwitches), all.Sum(s => s.InvoluntarySwitches));
    }

    public static ProcessSample Read(int pid)
    {
        long rss = 0, hwm = 0, voluntary = 0, involuntary = 0;
        double cpu = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = Kb(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    hwm = Kb(line);
                else if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    voluntary = Kb(line);
                else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    involuntary = Kb(line);
            }
            cpu = CpuSecondsOf(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
        }
        return new ProcessSample(rss, hwm, cpu, voluntary, involuntary);
    }

    /// <summary>utime + stime of a <c>/proc/&lt;pid&gt;/stat</c> line: fields 14 and 15, counted after the parenthesised name.</summary>
    public static double CpuSecondsOf(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static long Kb(string line)
    {
        var digits = new string(line.Where(char.IsDigit).ToArray());
        return digits.Length == 0 ? 0 : long.Parse(digits, CultureInfo.InvariantCulture);
    }
}
