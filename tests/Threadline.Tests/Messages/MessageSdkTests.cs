using System.ClientModel;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Messages;

/// <summary>Every message operation through the official .NET SDK against the real server.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class MessageSdkTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task CreateWithTextContent()
    {
        AssistantThread thread = await _client.CreateThreadAsync();

        ThreadMessage created = await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["Hello there"],
            new MessageCreationOptions { Metadata = { ["source"] = "sdk" } });

        Assert.StartsWith("msg_", created.Id);
        Assert.Equal(thread.Id, created.ThreadId);
        Assert.Equal(MessageRole.User, created.Role);
        Assert.Equal(MessageStatus.Completed, created.Status);
        Assert.Null(created.AssistantId);
        Assert.Null(created.RunId);
        Assert.Equal("sdk", created.Metadata["source"]);
        var part = Assert.Single(created.Content);
        Assert.Equal("Hello there", part.Text);
        Assert.Empty(part.TextAnnotations);
    }

    [Fact]
    public async Task CreateWithContentPartsIncludingAnImageUrl()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        var image = new Uri("https://example.com/cat.png");

        ThreadMessage created = await _client.CreateMessageAsync(thread.Id, MessageRole.User,
        [
            MessageContent.FromText("What is in this picture?"),
            MessageContent.FromImageUri(image, MessageImageDetail.Low),
            MessageContent.FromImageFileId("file_abc123"),
        ]);
        ThreadMessage fetched = await _client.GetMessageAsync(thread.Id, created.Id);

        foreach (var m in new[] { created, fetched })
        {
            Assert.Equal(3, m.Content.Count);
            Assert.Equal("What is in this picture?", m.Content[0].Text);
            Assert.Equal(image, m.Content[1].ImageUri);
            Assert.Equal(MessageImageDetail.Low, m.Content[1].ImageDetail);
            Assert.Equal("file_abc123", m.Content[2].ImageFileId);
        }
    }

    [Fact]
    public async Task StringContentSentRawIsReadByTheSdkAsOneTextPart()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        using var http = server.CreateHttpClient();

        var raw = await http.PostOkAsync($"threads/{thread.Id}/messages", """{"role":"user","content":"plain string"}""");
        ThreadMessage fetched = await _client.GetMessageAsync(thread.Id, (string)raw["id"]!);

        Assert.Equal("plain string", Assert.Single(fetched.Content).Text);
    }

    [Fact]
    public async Task ListInBothOrders()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        var ids = new List<string>();
        foreach (var text in new[] { "one", "two", "three" })
        {
            ThreadMessage m = await _client.CreateMessageAsync(thread.Id, MessageRole.User, [text]);
            ids.Add(m.Id);
        }

        var ascending = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id, new MessageCollectionOptions { Order = MessageCollectionOrder.Ascending }))
            ascending.Add(m);
        var descending = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id, new MessageCollectionOptions { Order = MessageCollectionOrder.Descending }))
            descending.Add(m);
        var byDefault = new List<string>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id))
            byDefault.Add(m.Id);

        Assert.Equal(ids, ascending.Select(m => m.Id));
        Assert.Equal(["one", "two", "three"], ascending.Select(m => m.Content[0].Text));
        Assert.Equal(Enumerable.Reverse(ids), descending.Select(m => m.Id));
        Assert.Equal(Enumerable.Reverse(ids), byDefault); // desc is the default
    }

    [Fact]
    public async Task ThePageableCollectionFollowsEveryPage()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ThreadMessage m = await _client.CreateMessageAsync(thread.Id, MessageRole.User, [$"m{i}"]);
            ids.Add(m.Id);
        }

        var collection = _client.GetMessagesAsync(thread.Id, new MessageCollectionOptions { PageSizeLimit = 3, Order = MessageCollectionOrder.Ascending });
        var seen = new List<string>();
        await foreach (var m in collection)
            seen.Add(m.Id);
        var pages = 0;
        await foreach (var _ in collection.GetRawPagesAsync())
            pages++;

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task GetReturnsTheStoredMessage()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        ThreadMessage created = await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["find me"]);

        ThreadMessage fetched = await _client.GetMessageAsync(thread.Id, created.Id);

        Assert.Equal(created.Id, fetched.Id);
        Assert.Equal(created.CreatedAt, fetched.CreatedAt);
        Assert.Equal("find me", fetched.Content[0].Text);
    }

    [Fact]
    public async Task ModifyReplacesTheMetadata()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        ThreadMessage created = await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["x"],
            new MessageCreationOptions { Metadata = { ["a"] = "1" } });

        ThreadMessage modified = await _client.ModifyMessageAsync(thread.Id, created.Id, new MessageModificationOptions { Metadata = { ["b"] = "2" } });
        ThreadMessage fetched = await _client.GetMessageAsync(thread.Id, created.Id);

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, modified.Metadata);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, fetched.Metadata);
        Assert.Equal("x", fetched.Content[0].Text);
    }

    [Fact]
    public async Task DeleteRemovesTheMessageOnly()
    {
        AssistantThread thread = await _client.CreateThreadAsync();
        ThreadMessage keep = await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["keep"]);
        ThreadMessage drop = await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["drop"]);

        MessageDeletionResult deleted = await _client.DeleteMessageAsync(thread.Id, drop.Id);

        Assert.True(deleted.Deleted);
        Assert.Equal(drop.Id, deleted.MessageId);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => _client.GetMessageAsync(thread.Id, drop.Id));
        Assert.Equal(404, error.Status);
        var remaining = new List<string>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id))
            remaining.Add(m.Id);
        Assert.Equal([keep.Id], remaining);
    }

    [Fact]
    public async Task ListFilteredByRunIdHoldsOnlyThatRunsReply()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["ping"]);
        ThreadRun first = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, first.Id);
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["pong"]);
        ThreadRun second = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, second.Id);
        using var http = server.CreateHttpClient();

        var firstOnly = await http.GetOkAsync($"threads/{thread.Id}/messages?run_id={first.Id}");
        var secondOnly = await http.GetOkAsync($"threads/{thread.Id}/messages?run_id={second.Id}");
        var all = await http.GetOkAsync($"threads/{thread.Id}/messages?order=asc");

        var reply = Assert.Single(firstOnly["data"]!.AsArray())!;
        Assert.Equal(first.Id, (string?)reply["run_id"]);
        Assert.Equal(assistant.Id, (string?)reply["assistant_id"]);
        Assert.Equal("assistant", (string?)reply["role"]);
        Assert.Equal("ping", (string?)reply["content"]![0]!["text"]!["value"]);
        var secondReply = Assert.Single(secondOnly["data"]!.AsArray())!;
        Assert.Equal("pong", (string?)secondReply["content"]![0]!["text"]!["value"]);
        Assert.Equal(4, all["data"]!.AsArray().Count);
    }
}
