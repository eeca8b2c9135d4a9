using System.Diagnostics;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// A real, small filesystem (a tmpfs mounted on a fresh folder) that a test can fill to the last
/// block and free again, to see what a server does when its disk is full. Needs Linux and the right
/// to mount (root); <see cref="Unavailable"/> says why not, for a test to report itself skipped.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private const string FillerName = "filler";

    private static readonly Lazy<string?> Why = new(ProbeMount);

    private SmallDisk(string path) => Path = path;

    /// <summary>The mount point, empty at first.</summary>
    public string Path { get; }

    /// <summary>Null when a small disk can be mounted here; otherwise the reason it cannot.</summary>
    public static string? Unavailable => Why.Value;

    public static SmallDisk Mount(int kibibytes)
    {
        var path = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "threadline-disk", Guid.NewGuid().ToString("N"))).FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs on {path} failed ({code}): {output}");
        }
        return new SmallDisk(path);
    }

    /// <summary>Takes every free block with a filler file, written until the filesystem says ENOSPC; returns its size.</summary>
    public long Fill()
    {
        var block = new byte[4096];
        using var filler = new FileStream(System.IO.Path.Combine(Path, FillerName), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        long written = 0;
        try
        {
            while (true)
            {
                filler.Write(block);
                written += block.Length;
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full, which is the point.
        }
        return written;
    }

    /// <summary>Gives the filler's blocks back.</summary>
    public void Free() => File.Delete(System.IO.Path.Combine(Path, FillerName));

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose()
    {
        // Lazily, in case a process that had it open (a server just killed) has not quite let go.
        var (code, output) = Run("umount", "--lazy", Path);
        if (code == 0)
            Directory.Delete(Path);
        else
            Console.Error.WriteLine($"umount {Path} failed ({code}): {output}");
    }

    private static string? ProbeMount()
    {
        if (!OperatingSystem.IsLinux())
            return "Needs Linux (a tmpfs mount).";
        if (Environment.UserName != "root")
            return $"Needs root to mount a tmpfs (running as {Environment.UserName}).";
        try
        {
            using var disk = Mount(64);
            return null;
        }
        catch (Exception e)
        {
            return $"Cannot mount a tmpfs here: {e.Message}";
        }
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (output.Result + error).Trim());
    }
}
