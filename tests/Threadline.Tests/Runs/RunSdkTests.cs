using System.ClientModel;
using System.Text.Json.Nodes;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Runs;

/// <summary>Create, poll, list, get, modify and create-thread-and-run through the official .NET SDK.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class RunSdkTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task ARunOfTheEchoModelCompletesWithTheUserMessagesAsItsReply()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo", new AssistantCreationOptions { Instructions = "Repeat." });
        AssistantThread thread = await _client.CreateThreadAsync(new ThreadCreationOptions
        {
            InitialMessages = { new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("hello")]) },
        });
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["world"]);

        ThreadRun created = await _client.CreateRunAsync(thread.Id, assistant.Id);

        Assert.StartsWith("run_", created.Id);
        Assert.Equal(thread.Id, created.ThreadId);
        Assert.Equal(assistant.Id, created.AssistantId);
        Assert.Equal("echo", created.Model);
        Assert.Equal("Repeat.", created.Instructions);
        Assert.True(created.Status == RunStatus.Queued || created.Status == RunStatus.InProgress || created.Status == RunStatus.Completed,
            $"status on create: {created.Status}");

        ThreadRun done = await RunWaiter.UntilCompletedAsync(_client, thread.Id, created.Id);

        Assert.NotNull(done.StartedAt);
        Assert.NotNull(done.CompletedAt);
        Assert.Null(done.LastError);
        Assert.NotNull(done.Usage);
        var messages = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id, new MessageCollectionOptions { Order = MessageCollectionOrder.Ascending }))
            messages.Add(m);
        Assert.Equal(3, messages.Count);
        var reply = messages[2];
        Assert.Equal(MessageRole.Assistant, reply.Role);
        Assert.Equal("hello\nworld", reply.Content.Single().Text);
        Assert.Equal(created.Id, reply.RunId);
        Assert.Equal(assistant.Id, reply.AssistantId);
        Assert.Equal(MessageStatus.Completed, reply.Status);
    }

    [Fact]
    public async Task RunOptionsAreTakenIncludingAdditionalMessagesAndAModelOverride()
    {
        Assistant assistant = await _client.CreateAssistantAsync("no-such-model");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["from the thread"]);
        var options = new RunCreationOptions
        {
            ModelOverride = "echo:10",
            InstructionsOverride = "Override.",
            AdditionalInstructions = "And more.",
            AdditionalMessages = { new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("additional")]) },
            Metadata = { ["job"] = "42" },
            Temperature = 0.25f,
        };

        ThreadRun created = await _client.CreateRunAsync(thread.Id, assistant.Id, options);
        ThreadRun done = await RunWaiter.UntilCompletedAsync(_client, thread.Id, created.Id);

        Assert.Equal("echo:10", done.Model);
        Assert.Equal("Override.", done.Instructions);
        Assert.Equal("42", done.Metadata["job"]);
        Assert.Equal(0.25f, done.Temperature);
        var texts = new List<string>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id, new MessageCollectionOptions { Order = MessageCollectionOrder.Ascending }))
            texts.Add(m.Content.Single().Text);
        Assert.Equal(["from the thread", "additional", "from the thread\nadditional"], texts);
    }

    [Fact]
    public async Task AnUnknownModelFailsTheRunWithAServerError()
    {
        Assistant assistant = await _client.CreateAssistantAsync("no-such-model");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["hi"]);

        ThreadRun created = await _client.CreateRunAsync(thread.Id, assistant.Id);
        ThreadRun ended = await RunWaiter.UntilTerminalAsync(_client, thread.Id, created.Id);

        Assert.Equal(RunStatus.Failed, ended.Status);
        Assert.NotNull(ended.FailedAt);
        Assert.Equal(RunErrorCode.ServerError, ended.LastError!.Code);
        Assert.False(string.IsNullOrEmpty(ended.LastError.Message));
    }

    [Fact]
    public async Task ListGetAndModifyRuns()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        AssistantThread thread = await _client.CreateThreadAsync();
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["one"]);
        ThreadRun first = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, first.Id);
        await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["two"]);
        ThreadRun second = await _client.CreateRunAsync(thread.Id, assistant.Id);
        await RunWaiter.UntilCompletedAsync(_client, thread.Id, second.Id);

        var descending = new List<string>();
        await foreach (var r in _client.GetRunsAsync(thread.Id))
            descending.Add(r.Id);
        var ascending = new List<ThreadRun>();
        await foreach (var r in _client.GetRunsAsync(thread.Id, new RunCollectionOptions { Order = RunCollectionOrder.Ascending, PageSizeLimit = 1 }))
            ascending.Add(r);
        Assert.Equal([second.Id, first.Id], descending);
        Assert.Equal([first.Id, second.Id], ascending.Select(r => r.Id));
        Assert.All(ascending, r => Assert.Equal(RunStatus.Completed, r.Status));

        ThreadRun fetched = await _client.GetRunAsync(thread.Id, first.Id);
        Assert.Equal(first.Id, fetched.Id);
        Assert.Equal(first.CreatedAt, fetched.CreatedAt);

        // The SDK has modify run as a protocol method only.
        ClientResult modified = await _client.ModifyRunAsync(thread.Id, first.Id,
            BinaryContent.Create(BinaryData.FromString("""{"metadata":{"reviewed":"yes"}}""")), new System.ClientModel.Primitives.RequestOptions());
        var body = JsonNode.Parse(modified.GetRawResponse().Content.ToString())!;
        Assert.Equal("yes", (string?)body["metadata"]!["reviewed"]);
        Assert.Equal(first.Id, (string?)body["id"]);
        ThreadRun afterModify = await _client.GetRunAsync(thread.Id, first.Id);
        Assert.Equal("yes", afterModify.Metadata["reviewed"]);
        Assert.Equal(RunStatus.Completed, afterModify.Status);
    }

    [Fact]
    public async Task CreateThreadAndRunMakesTheThreadAndRunsIt()
    {
        Assistant assistant = await _client.CreateAssistantAsync("echo");
        var threadOptions = new ThreadCreationOptions
        {
            InitialMessages =
            {
                new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("alpha")]),
                new ThreadInitializationMessage(MessageRole.User, [MessageContent.FromText("beta")]),
            },
            Metadata = { ["via"] = "create-and-run" },
        };

        ThreadRun created = await _client.CreateThreadAndRunAsync(assistant.Id, threadOptions, new RunCreationOptions { Metadata = { ["r"] = "1" } });
        ThreadRun done = await RunWaiter.UntilCompletedAsync(_client, created.ThreadId, created.Id);

        Assert.StartsWith("thread_", created.ThreadId);
        Assert.Equal("1", done.Metadata["r"]);
        AssistantThread thread = await _client.GetThreadAsync(created.ThreadId);
        Assert.Equal("create-and-run", thread.Metadata["via"]);
        var texts = new List<string>();
        await foreach (var m in _client.GetMessagesAsync(created.ThreadId, new MessageCollectionOptions { Order = MessageCollectionOrder.Ascending }))
            texts.Add(m.Content.Single().Text);
        Assert.Equal(["alpha", "beta", "alpha\nbeta"], texts);
    }
}
