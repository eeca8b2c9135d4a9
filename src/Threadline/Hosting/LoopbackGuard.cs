using System.Net;

namespace Threadline.Hosting;

/// <summary>Without API keys the server must not be reachable from other machines.</summary>
internal static class LoopbackGuard
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Sets the default URL when none is configured; refuses every non-loopback endpoint while auth is off.</summary>
    public static void Apply(WebApplicationBuilder builder, ThreadlineOptions options)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
            builder.WebHost.UseUrls(DefaultUrl);
        if (options.ApiKeys.Count > 0)
            return;
        // Kestrel hands every endpoint it is about to bind through its defaults, whatever its source
        // (urls, Kestrel:Endpoints in any configuration source, code): checking there, before the
        // socket opens, leaves no source unchecked and no moment of exposure.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
        {
            if (listen.IPEndPoint is { } endPoint && !IPAddress.IsLoopback(endPoint.Address))
                throw new LoopbackRefusedException(
                    $"Refusing to listen on '{listen}' with auth off: configure Threadline:ApiKeys, or listen on 127.0.0.1 / localhost.");
        }));
    }
}

/// <summary>The server was asked to listen beyond loopback with auth off; it does not start.</summary>
internal sealed class LoopbackRefusedException(string message) : InvalidOperationException(message);
