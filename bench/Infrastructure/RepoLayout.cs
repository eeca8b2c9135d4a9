namespace Threadline.Bench.Infrastructure;

/// <summary>Where the repository and the build outputs the harness starts are.</summary>
internal static class RepoLayout
{
    public const string Configuration = "Release";
    public const string TargetFramework = "net10.0";

    /// <summary>The folder holding <c>Threadline.sln</c>, found upwards from the working directory, then from this binary.</summary>
    public static string Root { get; } = FindRoot();

    public static string ServerProject => Path.Combine(Root, "src", "Threadline");
    public static string ServerDll => Path.Combine(ServerProject, "bin", Configuration, TargetFramework, "Threadline.dll");

    public static string FakeUpstreamProject => Path.Combine(Root, "tests", "Threadline.FakeUpstream");
    public static string FakeUpstreamDll => Path.Combine(FakeUpstreamProject, "bin", Configuration, TargetFramework, "Threadline.FakeUpstream.dll");

    /// <summary>This harness's own assembly, started again in <c>baseline</c> mode.</summary>
    public static string BenchDll => typeof(RepoLayout).Assembly.Location;

    public static string Docs => Path.Combine(Root, "docs");

    /// <summary>The <c>dotnet</c> host running this process, so every child runs on the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            var self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
                return self;
            var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk) ? fromSdk : "dotnet";
        }
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Threadline.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (a folder with Threadline.sln) above the working directory or the harness binary.");
    }
}
