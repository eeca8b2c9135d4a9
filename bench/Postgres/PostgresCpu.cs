using System.Globalization;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Postgres;

/// <summary>
/// CPU of a PostgreSQL cluster: its postmaster and every child process (backends, walwriter,
/// checkpointer...), utime + stime from <c>/proc/&lt;pid&gt;/stat</c>. Backends come and go with
/// connections, so a child that exited between two readings is not counted: the servers under test
/// pool their connections, which keeps the backends alive across a window.
/// </summary>
internal sealed class PostgresCpu(int postmasterPid)
{
    public int PostmasterPid => postmasterPid;

    /// <summary>Seconds of CPU the postmaster and its living children have used; NaN when the cluster is not on this machine.</summary>
    public double Seconds()
    {
        if (postmasterPid <= 0)
            return double.NaN;
        var total = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (pid == postmasterPid || ParentOf(stat) == postmasterPid)
                    total += ProcessSample.CpuSecondsOf(stat);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return total;
    }

    /// <summary>The parent pid of a <c>/proc/&lt;pid&gt;/stat</c> line: the second field after the parenthesised name.</summary>
    public static int ParentOf(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);

    /// <summary>The parent of process <paramref name="pid"/> (a backend's parent is the postmaster).</summary>
    public static int ParentOf(int pid) => ParentOf(File.ReadAllText($"/proc/{pid}/stat"));
}
