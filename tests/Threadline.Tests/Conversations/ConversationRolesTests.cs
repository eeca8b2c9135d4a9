using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Models;
using Xunit;

namespace Threadline.Tests.Conversations;

/// <summary>
/// A conversation's items reach the model with their roles: the Responses API's <c>system</c> and
/// <c>developer</c> items (which the Assistants API never wrote) go as system messages, in the
/// conversation's order, when a run works on the conversation as a thread.
/// </summary>
[Collection(FakeProviderCollection.Name)]
public sealed class ConversationRolesTests
{
    private readonly FakeProviderFixture _fake;

    public ConversationRolesTests(FakeProviderFixture fake)
    {
        _fake = fake;
        _fake.ResetUpstream();
    }

    [Fact]
    public async Task Developer_and_system_items_are_sent_to_the_model_as_system_messages()
    {
        using var http = _fake.CreateHttpClient();
        var assistantId = await FakeProviderFixture.AssistantAsync(http);
        var items = new JsonArray(
            new JsonObject { ["role"] = "developer", ["content"] = "Answer in French." },
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "Hello" }) },
            new JsonObject { ["type"] = "message", ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "Bonjour" }) },
            new JsonObject { ["role"] = "system", ["content"] = "Be brief." },
            new JsonObject { ["role"] = "user", ["content"] = "How are you?" });
        var conversation = await http.PostOkAsync("conversations", new JsonObject { ["items"] = items }.ToJsonString());
        var id = (string)conversation["id"]!;
        Assert.StartsWith("conv_", id);

        var run = await FakeProviderFixture.CreateRunAsync(http, id, assistantId);
        var ended = await RunWaiter.UntilTerminalAsync(http, id, (string)run["id"]!);

        Assert.Equal("completed", (string?)ended["status"]);
        var sent = Assert.Single(_fake.ChatRequests()).Messages.Select(m => ((string?)m!["role"], FakeProviderFixture.ContentText(m))).ToList();
        Assert.Equal([("system", "Answer in French."), ("user", "Hello"), ("assistant", "Bonjour"), ("system", "Be brief."), ("user", "How are you?")], sent);
    }
}
