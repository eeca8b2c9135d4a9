using OpenAI.Assistants;
using OpenAI.Conversations;
using OpenAI.Responses;
using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// One server process shared by every test class in the <c>"shared server"</c> collection
/// (<c>[Collection(SharedServerCollection.Name)]</c>), started before the first and stopped
/// after the last. Tests that kill, restart or reconfigure a server start their own
/// <see cref="ThreadlineServer"/> instead.
/// </summary>
/// <remarks>Public because xunit builds it for public test classes.</remarks>
public sealed class SharedServerFixture : IAsyncLifetime
{
    private ThreadlineServer? _server;

    internal ThreadlineServer Server =>
        _server ?? throw new InvalidOperationException("The shared server has not been started.");

    public Uri ApiUrl => Server.ApiUrl;

    public HttpClient CreateHttpClient(string? apiKey = null) => Server.CreateHttpClient(apiKey);

    public AssistantClient CreateAssistantClient(string apiKey = "test-key") => Server.CreateAssistantClient(apiKey);

    public ResponsesClient CreateResponsesClient(string apiKey = "test-key") => Server.CreateResponsesClient(apiKey);

    public ConversationClient CreateConversationClient(string apiKey = "test-key") => Server.CreateConversationClient(apiKey);

    public async Task InitializeAsync() => _server = await ThreadlineServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
