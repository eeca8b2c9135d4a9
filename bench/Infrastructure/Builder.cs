using System.Diagnostics;

namespace Threadline.Bench.Infrastructure;

/// <summary>Builds the server and the fake upstream in Release before anything is measured.</summary>
internal static class Builder
{
    /// <summary>
    /// <c>dotnet build -c Release</c> of each project, retried a few times: another engineer may be
    /// in the middle of an edit of <c>src/</c> when the harness starts.
    /// </summary>
    public static async Task BuildAsync(TextWriter log, CancellationToken ct)
    {
        foreach (var project in new[] { RepoLayout.ServerProject, RepoLayout.FakeUpstreamProject })
        {
            for (var attempt = 1; ; attempt++)
            {
                log.WriteLine($"build: dotnet build -c {RepoLayout.Configuration} {Path.GetRelativePath(RepoLayout.Root, project)}");
                var (code, output) = await RunAsync(RepoLayout.DotnetHost,
                    ["build", project, "-c", RepoLayout.Configuration, "-nologo", "-v", "quiet"], ct);
                if (code == 0)
                    break;
                if (attempt == 3)
                    throw new InvalidOperationException($"dotnet build of {project} failed (exit {code}):\n{output}");
                log.WriteLine($"build failed (exit {code}); trying again in 30 s");
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }
        }
    }

    /// <summary>Runs a command to completion and returns its exit code and combined output; cancelling kills it.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, CancellationToken ct,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoLayout.Root,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
