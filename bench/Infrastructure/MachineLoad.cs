using System.Diagnostics;
using System.Globalization;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// How busy the whole machine was over a scenario (<c>/proc/stat</c>), and how much of that was not
/// this harness or the processes it started: other work on a shared machine skews every number.
/// </summary>
internal sealed class MachineLoad
{
    private static readonly List<ServiceProcess> Started = [];
    private readonly (long Busy, long Total) _start = ReadStat();
    private readonly TimeSpan _harnessStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly double _childrenStart = ChildrenCpu();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public static void Track(ServiceProcess process)
    {
        lock (Started)
            Started.Add(process);
    }

    /// <summary>CPU of a short-lived helper the harness ran (wrk), which is ours and not noise.</summary>
    public static void AddHelperCpu(double seconds)
    {
        lock (Started)
            _helperCpu += seconds;
    }

    private static double _helperCpu;

    /// <summary>Cores busy on average: the machine, this harness with its servers, and everything else.</summary>
    public (double Machine, double Ours, double Others) Stop()
    {
        var end = ReadStat();
        var seconds = _clock.Elapsed.TotalSeconds;
        var cores = Environment.ProcessorCount;
        var totalTicks = Math.Max(1, end.Total - _start.Total);
        var machine = (double)(end.Busy - _start.Busy) / totalTicks * cores;
        var ours = ((Process.GetCurrentProcess().TotalProcessorTime - _harnessStart).TotalSeconds + ChildrenCpu() - _childrenStart) / seconds;
        return (machine, ours, Math.Max(0, machine - ours));
    }

    private static double ChildrenCpu()
    {
        lock (Started)
            return Started.Sum(p => p.LastCpuSeconds) + _helperCpu;
    }

    private static (long Busy, long Total) ReadStat()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...
            var idle = fields[3] + fields[4];
            var total = fields.Take(8).Sum();
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 1);
        }
    }
}
