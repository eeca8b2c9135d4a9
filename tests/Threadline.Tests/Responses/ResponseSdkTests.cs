using System.ClientModel;
using System.Text.Json;
using OpenAI.Conversations;
using OpenAI.Responses;
using Threadline.Tests.Infrastructure;
using Xunit;
using static OpenAI.Responses.StreamingResponseUpdateKind;

namespace Threadline.Tests.Responses;

/// <summary>
/// The official .NET SDK's <see cref="ResponsesClient"/> and <see cref="ConversationClient"/> against the real
/// server (model <c>echo</c>): create (a string input, on a conversation, streamed, in the background), retrieve,
/// cancel, <c>previous_response_id</c>, a function call and its output, input items and delete. Where the SDK has no typed call (a conversation's items), its protocol
/// method is used and the JSON read.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class ResponseSdkTests(SharedServerFixture server)
{
    private readonly ResponsesClient _responses = server.CreateResponsesClient();
    private readonly ConversationClient _conversations = server.CreateConversationClient();

    [Fact]
    public async Task A_string_input_is_answered_with_the_echo_as_one_assistant_message_and_usage()
    {
        ResponseResult r = await _responses.CreateResponseAsync("echo", "Hello there");

        Assert.Matches("^resp_[A-Za-z0-9]{24}$", r.Id);
        Assert.Equal("response", r.Object);
        Assert.Equal(ResponseStatus.Completed, r.Status);
        Assert.Equal("echo", r.Model);
        Assert.Equal("Hello there", r.GetOutputText());
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(r.OutputItems));
        Assert.Equal(MessageRole.Assistant, message.Role);
        Assert.Equal(MessageStatus.Completed, message.Status);
        var part = Assert.Single(message.Content);
        Assert.Equal(ResponseContentPartKind.OutputText, part.Kind);
        Assert.Equal("Hello there", part.Text);
        Assert.Null(r.ConversationOptions);
        Assert.Null(r.Error);
        Assert.False(r.BackgroundModeEnabled);
        Assert.True(r.Usage.TotalTokenCount > 0 && r.Usage.TotalTokenCount == r.Usage.InputTokenCount + r.Usage.OutputTokenCount,
            $"usage {r.Usage.InputTokenCount} + {r.Usage.OutputTokenCount} = {r.Usage.TotalTokenCount}");
    }

    [Fact]
    public async Task A_response_on_a_conversation_answers_its_items_and_lands_in_it_after_its_input()
    {
        ConversationResource conversation = await _conversations.CreateConversationAsync(new ConversationCreationOptions
        {
            Items = { ResponseItem.CreateUserMessageItem("hi") },
            Metadata = { ["user"] = "u1" },
        });
        Assert.StartsWith("conv_", conversation.Id);
        Assert.Equal("u1", conversation.Metadata["user"]);

        ResponseResult first = await _responses.CreateResponseAsync(OnConversation(conversation.Id, "there"));
        ResponseResult second = await _responses.CreateResponseAsync(OnConversation(conversation.Id, "again"));

        Assert.Equal(ResponseStatus.Completed, first.Status);
        Assert.Equal(conversation.Id, first.ConversationOptions?.ConversationId);
        Assert.Equal("hi\nthere", first.GetOutputText());
        Assert.Equal("again", second.GetOutputText());
        var items = await ItemsAsync(conversation.Id);
        Assert.Equal(["user:hi", "user:there", "assistant:hi\nthere", "user:again", "assistant:again"], items.Select(i => i.Text));
        Assert.Equal([first.OutputItems.Single().Id, second.OutputItems.Single().Id], items.Where(i => i.Text.StartsWith("assistant:")).Select(i => i.Id));
    }

    [Fact]
    public async Task A_retrieved_response_reads_as_it_was_made()
    {
        var options = new CreateResponseOptions("echo", [ResponseItem.CreateUserMessageItem("read me back")])
        {
            Instructions = "Be kind.",
            Metadata = { ["k"] = "v" },
            Temperature = 0.5f,
            MaxOutputTokenCount = 100,
        };
        ResponseResult made = await _responses.CreateResponseAsync(options);

        ResponseResult read = await _responses.GetResponseAsync(made.Id);

        Assert.Equal(made.Id, read.Id);
        Assert.Equal(ResponseStatus.Completed, read.Status);
        Assert.Equal(made.CreatedAt, read.CreatedAt);
        Assert.Equal("echo", read.Model);
        Assert.Equal("v", read.Metadata["k"]);
        Assert.Equal(0.5f, read.Temperature);
        Assert.Equal(100, read.MaxOutputTokenCount);
        Assert.Equal("read me back", read.GetOutputText());
        Assert.Equal(made.OutputItems.Single().Id, read.OutputItems.Single().Id);
        Assert.Equal(made.Usage.TotalTokenCount, read.Usage.TotalTokenCount);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => _responses.GetResponseAsync("resp_missing"));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task A_streamed_response_yields_the_specs_events_in_order_numbered_from_zero_with_every_delta()
    {
        const string text = "one two three four five six";
        // The SDK wants the flag set as well as the streaming method called.
        await using var stream = await _responses.CreateResponseStreamingAsync(
            new CreateResponseOptions("echo", [ResponseItem.CreateUserMessageItem(text)]) { StreamingEnabled = true });
        Assert.Equal(200, stream.Status);
        var updates = new List<StreamingResponseUpdate>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await foreach (var update in stream.WithCancellation(timeout.Token))
                updates.Add(update);
        }

        var kinds = updates.Select(u => u.Kind).ToList();
        var deltas = kinds.Count(k => k == ResponseOutputTextDelta);
        Assert.True(deltas >= 2, $"{deltas} deltas: {string.Join(", ", kinds)}");
        List<StreamingResponseUpdateKind> expected =
        [
            ResponseCreated, ResponseInProgress, ResponseOutputItemAdded, ResponseContentPartAdded,
            .. Enumerable.Repeat(ResponseOutputTextDelta, deltas),
            ResponseOutputTextDone, ResponseContentPartDone, ResponseOutputItemDone, ResponseCompleted,
        ];
        Assert.Equal(expected, kinds);
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.Equal(text, string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(u => u.Delta)));
        Assert.Equal(text, updates.OfType<StreamingResponseOutputTextDoneUpdate>().Single().Text);
        var created = updates.OfType<StreamingResponseCreatedUpdate>().Single().Response;
        var completed = updates.OfType<StreamingResponseCompletedUpdate>().Single().Response;
        Assert.Equal(created.Id, completed.Id);
        Assert.Equal(ResponseStatus.Completed, completed.Status);
        Assert.Equal(text, completed.GetOutputText());
        ResponseResult stored = await _responses.GetResponseAsync(completed.Id);
        Assert.Equal(text, stored.GetOutputText());
        Assert.Equal(completed.OutputItems.Single().Id, stored.OutputItems.Single().Id);
    }

    [Fact]
    public async Task A_background_response_answers_at_once_and_cancel_ends_it()
    {
        ResponseResult slow = await _responses.CreateResponseAsync(new CreateResponseOptions("echo:5000", [ResponseItem.CreateUserMessageItem("slow")])
        {
            BackgroundModeEnabled = true,
        });

        Assert.True(slow.BackgroundModeEnabled);
        Assert.True(slow.Status is ResponseStatus.Queued or ResponseStatus.InProgress, $"status on create: {slow.Status}");
        Assert.Empty(slow.OutputItems);
        await UntilAsync(slow.Id, r => r.Status == ResponseStatus.InProgress, "in_progress");

        ResponseResult cancelled = await _responses.CancelResponseAsync(slow.Id);

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.Equal(ResponseStatus.Cancelled, (await _responses.GetResponseAsync(slow.Id)).Value.Status);
        var again = await Assert.ThrowsAsync<ClientResultException>(() => _responses.CancelResponseAsync(slow.Id));
        Assert.Equal(400, again.Status);
        Assert.Contains("Cannot cancel a response with status 'cancelled'.", again.Message);
    }

    [Fact]
    public async Task Previous_response_id_continues_on_the_thread_of_the_response_it_follows()
    {
        ConversationResource conversation = await _conversations.CreateConversationAsync(new ConversationCreationOptions());
        ResponseResult first = await _responses.CreateResponseAsync(OnConversation(conversation.Id, "first"));

        ResponseResult second = await _responses.CreateResponseAsync("echo", "second", previousResponseId: first.Id);

        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.Equal(ResponseStatus.Completed, second.Status);
        Assert.Equal("second", second.GetOutputText());
        Assert.Equal(["user:first", "assistant:first", "user:second", "assistant:second"], (await ItemsAsync(conversation.Id)).Select(i => i.Text));
    }

    [Fact]
    public async Task A_function_call_ends_the_response_and_its_output_in_the_next_is_answered_then_input_items_and_delete()
    {
        var weather = ResponseTool.CreateFunctionTool("get_weather",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""), strictModeEnabled: false, "The weather in a city");
        var ask = new CreateResponseOptions("echo", [ResponseItem.CreateUserMessageItem("""call:get_weather {"city":"Paris"}""")]) { Tools = { weather } };
        ResponseResult asked = await _responses.CreateResponseAsync(ask);

        Assert.Equal(ResponseStatus.Completed, asked.Status);
        var call = Assert.IsAssignableFrom<FunctionCallResponseItem>(Assert.Single(asked.OutputItems));
        Assert.StartsWith("fc_", call.Id);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("""{"city":"Paris"}""", call.FunctionArguments.ToString());

        var answer = new CreateResponseOptions("echo", [ResponseItem.CreateFunctionCallOutputItem(call.CallId, "sunny")])
        {
            PreviousResponseId = asked.Id,
            Tools = { weather },
        };
        ResponseResult answered = await _responses.CreateResponseAsync(answer);
        Assert.Equal("get_weather returned: sunny", answered.GetOutputText());

        // Its input items: the one function call output it was created with.
        var input = new List<ResponseItem>();
        await foreach (var item in _responses.GetResponseInputItemsAsync(answered.Id))
            input.Add(item);
        var output = Assert.IsAssignableFrom<FunctionCallOutputResponseItem>(Assert.Single(input));
        Assert.Equal((call.CallId, "sunny"), (output.CallId, output.FunctionOutput));

        // Deleted, it is gone; the response before it is not.
        await _responses.DeleteResponseAsync(answered.Id);
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => _responses.GetResponseAsync(answered.Id));
        Assert.Equal(404, missing.Status);
        ResponseResult before = await _responses.GetResponseAsync(asked.Id);
        Assert.Equal(call.Id, Assert.Single(before.OutputItems).Id);
    }

    /// <summary>A response of the echo model to one user message, on the conversation.</summary>
    private static CreateResponseOptions OnConversation(string conversationId, string text) =>
        new("echo", [ResponseItem.CreateUserMessageItem(text)]) { ConversationOptions = new ResponseConversationOptions(conversationId) };

    /// <summary>
    /// A conversation's items, oldest first, as <c>role:text</c> with their ids: the SDK lists items only
    /// through its protocol method (pages of raw JSON), so the pages are read here.
    /// </summary>
    private async Task<List<(string Id, string Text)>> ItemsAsync(string conversationId)
    {
        var items = new List<(string, string)>();
        await foreach (var page in _conversations.GetConversationItemsAsync(conversationId, limit: 100, order: "asc").GetRawPagesAsync())
        {
            using var json = JsonDocument.Parse(page.GetRawResponse().Content);
            foreach (var item in json.RootElement.GetProperty("data").EnumerateArray())
            {
                var text = string.Concat(item.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
                items.Add((item.GetProperty("id").GetString()!, $"{item.GetProperty("role").GetString()}:{text}"));
            }
        }
        return items;
    }

    private async Task<ResponseResult> UntilAsync(string responseId, Func<ResponseResult, bool> condition, string what)
    {
        ResponseResult? last = null;
        await Eventually.TrueAsync(async () => condition(last = await _responses.GetResponseAsync(responseId)), $"response {responseId} {what}");
        return last!;
    }
}
