using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// One server for the webhook tests that need no restart. It is not the suite's shared server: an
/// endpoint receives the events of every run of its project, so these tests keep their endpoints
/// (and their receivers) away from the other tests' runs. Each test still filters what its receiver
/// got by its own thread ids, and deletes its endpoint when done.
/// </summary>
public sealed class WebhookServerFixture : IAsyncLifetime
{
    private ThreadlineServer? _server;

    internal ThreadlineServer Server => _server ?? throw new InvalidOperationException("The webhook server has not been started.");

    public HttpClient CreateHttpClient() => Server.CreateHttpClient();

    public async Task InitializeAsync() => _server = await ThreadlineServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebhookServerCollection : ICollectionFixture<WebhookServerFixture>
{
    public const string Name = "webhooks: server";
}
