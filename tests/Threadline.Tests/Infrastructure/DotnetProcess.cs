using System.Text.RegularExpressions;

namespace Threadline.Tests.Infrastructure;

/// <summary>What every test that launches an ASP.NET Core app as its own process needs.</summary>
internal static partial class DotnetProcess
{
    /// <summary>The <c>dotnet</c> host running these tests, so the child runs on the same runtime.</summary>
    public static string Host()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            return fromSdk;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>ASP.NET Core's start-up line, with the address it bound (<c>--urls http://127.0.0.1:0</c>).</summary>
    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)/?")]
    public static partial Regex ListeningLine();
}
