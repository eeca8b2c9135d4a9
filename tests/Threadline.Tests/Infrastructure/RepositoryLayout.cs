using System.Reflection;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// Where things are, found from the test assembly's location: the repository root (the
/// folder holding <c>Threadline.sln</c>), the build configuration and target framework the
/// tests were built with (<c>bin/&lt;Configuration&gt;/&lt;TargetFramework&gt;/</c>), the
/// server's build output and the shared wire spec (<c>../shared/spec</c> beside the root).
/// </summary>
internal static class RepositoryLayout
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);
    private static readonly Lazy<(string Configuration, string TargetFramework)> LazyBuild = new(FindBuild);

    /// <summary>The folder that holds <c>Threadline.sln</c>.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary><c>Debug</c> or <c>Release</c>: the configuration of the running test build.</summary>
    public static string Configuration => LazyBuild.Value.Configuration;

    /// <summary>The target framework folder of the running test build, e.g. <c>net10.0</c>.</summary>
    public static string TargetFramework => LazyBuild.Value.TargetFramework;

    /// <summary><c>src/Threadline/bin/&lt;Configuration&gt;/&lt;TargetFramework&gt;/Threadline.dll</c>.</summary>
    public static string ServerAssemblyPath =>
        Path.Combine(Root, "src", "Threadline", "bin", Configuration, TargetFramework, "Threadline.dll");

    /// <summary><c>../shared/spec/assistants-v2.openapi.yaml</c> relative to the root.</summary>
    public static string SpecPath =>
        Path.GetFullPath(Path.Combine(Root, "..", "shared", "spec", "assistants-v2.openapi.yaml"));

    private static string TestAssemblyDirectory =>
        Path.GetDirectoryName(typeof(RepositoryLayout).Assembly.Location) ?? AppContext.BaseDirectory;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestAssemblyDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Threadline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder holding Threadline.sln was found above the test assembly folder '{TestAssemblyDirectory}'.");
    }

    private static (string, string) FindBuild()
    {
        // .../bin/<Configuration>/<TargetFramework>[/<RuntimeIdentifier>]/Threadline.Tests.dll
        var parts = TestAssemblyDirectory.Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(parts, "bin");
        if (bin >= 0 && bin + 2 < parts.Length)
        {
            return (parts[bin + 1], parts[bin + 2]);
        }

        // Not under bin/ (an unusual output path): fall back to what MSBuild stamped on the assembly.
        var configuration = typeof(RepositoryLayout).Assembly
            .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        return (string.IsNullOrEmpty(configuration) ? "Debug" : configuration, Path.GetFileName(TestAssemblyDirectory));
    }
}
