using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Messages;

/// <summary>
/// Message attachments: <c>[{file_id, tools:[{type: code_interpreter | file_search}]}]</c>, stored as given
/// when well formed, refused when not (a malformed one stored would break every client reading the thread).
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class MessageAttachmentTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task AttachmentsRoundTripThroughTheSdk()
    {
        AssistantThread thread = await _client.CreateThreadAsync();

        ThreadMessage created = await _client.CreateMessageAsync(thread.Id, MessageRole.User, ["see attached"], new MessageCreationOptions
        {
            Attachments =
            [
                new MessageCreationAttachment("file_1", [new FileSearchToolDefinition()]),
                new MessageCreationAttachment("file_2", [new CodeInterpreterToolDefinition(), new FileSearchToolDefinition()]),
            ],
        });
        var listed = new List<ThreadMessage>();
        await foreach (var m in _client.GetMessagesAsync(thread.Id))
            listed.Add(m);

        foreach (var m in new[] { created, Assert.Single(listed) })
        {
            Assert.Equal(["file_1", "file_2"], m.Attachments.Select(a => a.FileId));
            Assert.IsType<FileSearchToolDefinition>(Assert.Single(m.Attachments[0].Tools));
            Assert.Equal(2, m.Attachments[1].Tools.Count);
        }
    }

    public static TheoryData<string, string> BadAttachments => new()
    {
        { """[null]""", "attachments[0]" },
        { """[5]""", "attachments[0]" },
        { """[{"file_id":5}]""", "attachments[0].file_id" },
        { """[{"file_id":"file_1","foo":1}]""", "attachments[0].foo" },
        { """[{"file_id":"file_1","tools":[{"type":"browser"}]}]""", "attachments[0].tools[0].type" },
        { """[{"file_id":"file_1","tools":{}}]""", "attachments[0].tools" },
        { """[{"tools":[]}]""", "attachments[0].file_id" },
    };

    [Theory]
    [MemberData(nameof(BadAttachments))]
    public async Task AMalformedAttachmentIsRefused(string attachments, string param)
    {
        using var http = server.CreateHttpClient();
        var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;

        var response = await http.PostRawAsync($"threads/{thread}/messages", $$"""{"role":"user","content":"x","attachments":{{attachments}}}""");

        response.AssertError(400, param: param);
        Assert.Empty((await http.GetOkAsync($"threads/{thread}/messages"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("[5]")]
    [InlineData("""[{"file_id":5}]""")]
    public async Task AThreadStaysReadableByTheSdkWhateverAttachmentsWerePosted(string attachments)
    {
        using var http = server.CreateHttpClient();
        var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;
        await http.PostRawAsync($"threads/{thread}/messages", $$"""{"role":"user","content":"x","attachments":{{attachments}}}""");

        var texts = new List<string>();
        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var m in _client.GetMessagesAsync(thread))
                texts.Add(m.Content[0].Text);
        });

        Assert.True(failure is null, $"the SDK could not read the thread: {failure}");
    }
}
