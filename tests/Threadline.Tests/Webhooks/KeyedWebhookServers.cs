using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>A server with an API key (so private networks are refused by default), plus the webhook settings of a subclass.</summary>
public abstract class KeyedWebhookServerBase(IReadOnlyDictionary<string, string> webhookSettings) : IAsyncLifetime
{
    public const string Key = "webhook-key";

    internal ThreadlineServer Server { get; private set; } = null!;

    public HttpClient CreateHttpClient() => Server.CreateHttpClient(Key);

    public async Task InitializeAsync() => Server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
    {
        Arguments = new Dictionary<string, string>(webhookSettings) { ["Threadline:ApiKeys:0:Key"] = Key },
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The default destination rules.</summary>
public sealed class KeyedWebhookServer() : KeyedWebhookServerBase(new Dictionary<string, string>());

/// <summary>One loopback address allowed, as for a receiver on the same host.</summary>
public sealed class KeyedWebhookServerAllowingLoopback()
    : KeyedWebhookServerBase(new Dictionary<string, string> { ["Threadline:Webhooks:AllowedHosts:0"] = "127.0.0.1" });
