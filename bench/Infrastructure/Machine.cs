using System.Runtime.InteropServices;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Infrastructure;

/// <summary>What the numbers were measured on.</summary>
internal static class Machine
{
    public static async Task<MachineInfo> DescribeAsync(CancellationToken ct)
    {
        var memoryGb = 0.0;
        var cpu = "unknown";
        try
        {
            var memTotal = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (memTotal is not null)
                memoryGb = long.Parse(new string(memTotal.Where(char.IsDigit).ToArray()), System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        var disk = "unknown";
        try
        {
            var (code, output) = await Builder.RunAsync("df", ["-hT", Path.GetTempPath()], ct);
            if (code == 0)
            {
                var fields = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                disk = $"{fields[0]} ({fields[1]}), temp folder {Path.GetTempPath()}";
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        return new MachineInfo(Environment.ProcessorCount, Math.Round(memoryGb, 1), cpu, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, disk);
    }
}
