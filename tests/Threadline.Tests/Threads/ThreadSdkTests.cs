using System.ClientModel;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Threads;

/// <summary>Every thread operation through the official .NET SDK against the real server.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class ThreadSdkTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task CreateWithInitialMessagesStoresThemInOrder()
    {
        var options = new ThreadCreationOptions
        {
            InitialMessages =
            {
                new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("first")]),
                new ThreadInitializationMessage(MessageRole.Assistant, [MessageContent.FromText("second")]),
                new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("third")]) { Metadata = { ["n"] = "3" } },
            },
            Metadata = { ["customer"] = "c-1" },
        };

        AssistantThread thread = await _client.CreateThreadAsync(options);

        Assert.StartsWith("thread_", thread.Id);
        Assert.Equal("c-1", thread.Metadata["customer"]);
        Assert.InRange(thread.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

        var messages = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id, new MessageCollectionOptions { Order = MessageCollectionOrder.Ascending }))
            messages.Add(m);
        Assert.Equal(["first", "second", "third"], messages.Select(m => m.Content.Single().Text));
        Assert.Equal([MessageRole.User, MessageRole.Assistant, MessageRole.User], messages.Select(m => m.Role));
        Assert.All(messages, m => Assert.Equal(thread.Id, m.ThreadId));
        Assert.Equal("3", messages[2].Metadata["n"]);
    }

    [Fact]
    public async Task GetReturnsTheStoredThread()
    {
        AssistantThread created = await _client.CreateThreadAsync(new ThreadCreationOptions { Metadata = { ["k"] = "v" } });

        AssistantThread fetched = await _client.GetThreadAsync(created.Id);

        Assert.Equal(created.Id, fetched.Id);
        Assert.Equal(created.CreatedAt, fetched.CreatedAt);
        Assert.Equal("v", fetched.Metadata["k"]);
    }

    [Fact]
    public async Task ModifyReplacesTheMetadata()
    {
        AssistantThread created = await _client.CreateThreadAsync(new ThreadCreationOptions { Metadata = { ["a"] = "1" } });

        AssistantThread modified = await _client.ModifyThreadAsync(created.Id, new ThreadModificationOptions { Metadata = { ["b"] = "2" } });
        AssistantThread fetched = await _client.GetThreadAsync(created.Id);

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, modified.Metadata);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, fetched.Metadata);
    }

    [Fact]
    public async Task DeleteRemovesTheThread()
    {
        AssistantThread created = await _client.CreateThreadAsync();

        ThreadDeletionResult deleted = await _client.DeleteThreadAsync(created.Id);

        Assert.True(deleted.Deleted);
        Assert.Equal(created.Id, deleted.ThreadId);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => _client.GetThreadAsync(created.Id));
        Assert.Equal(404, error.Status);
    }
}
