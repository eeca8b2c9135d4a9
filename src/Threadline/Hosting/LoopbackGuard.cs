using System.Net;

namespace Threadline.Hosting;

/// <summary>Without API keys the server must not be reachable from other machines.</summary>
internal static class LoopbackGuard
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Sets the default URL when none is configured; refuses non-loopback URLs while auth is off.</summary>
    public static void Apply(WebApplicationBuilder builder, ThreadlineOptions options)
    {
        var urls = builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            builder.WebHost.UseUrls(DefaultUrl);
            return;
        }
        if (options.ApiKeys.Count > 0)
            return;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IsLoopback(url))
                throw new InvalidOperationException(
                    $"Refusing to listen on '{url}' with auth off: configure Threadline:ApiKeys, or listen on 127.0.0.1 / localhost.");
        }
    }

    private static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2)[^1].Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
