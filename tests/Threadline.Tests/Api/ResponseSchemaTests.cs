using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>
/// The body of every successful operation, read raw, against the spec's schema for it: drift in a
/// field's name, type or presence fails here.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class ResponseSchemaTests(SharedServerFixture server)
{
    [Fact]
    public async Task AssistantResponsesMatchTheSpec()
    {
        using var http = server.CreateHttpClient();

        var created = (await http.PostRawAsync("assistants", """
            {"model":"echo","name":"schema","description":"d","instructions":"i","metadata":{"k":"v"},
             "temperature":0.7,"top_p":0.5,"response_format":{"type":"json_object"},
             "tools":[{"type":"function","function":{"name":"f","description":"x","parameters":{"type":"object","properties":{}}}},
                      {"type":"code_interpreter"},{"type":"file_search"}]}
            """)).AssertOk("AssistantObject");
        var id = (string)created["id"]!;
        var minimal = (await http.PostRawAsync("assistants", """{"model":"echo"}""")).AssertOk("AssistantObject");
        (await http.PostRawAsync("assistants", """{"model":"echo","tools":[],"metadata":{},"response_format":"auto"}""")).AssertOk("AssistantObject");

        (await http.GetRawAsync($"assistants/{id}")).AssertOk("AssistantObject");
        (await http.PostRawAsync($"assistants/{id}", """{"name":"renamed","metadata":{}}""")).AssertOk("AssistantObject");
        var list = (await http.GetRawAsync("assistants?limit=3")).AssertOk("ListAssistantsResponse");
        AssertListEnvelope(list, expectedCount: 3);
        var deleted = (await http.DeleteRawAsync($"assistants/{minimal["id"]}")).AssertOk("DeleteAssistantResponse");
        Assert.Equal("assistant.deleted", (string?)deleted["object"]);
        Assert.Equal(true, (bool?)deleted["deleted"]);
    }

    [Fact]
    public async Task ThreadResponsesMatchTheSpec()
    {
        using var http = server.CreateHttpClient();

        var created = (await http.PostRawAsync("threads", """
            {"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"hello"}]}],"metadata":{"k":"v"}}
            """)).AssertOk("ThreadObject");
        var id = (string)created["id"]!;
        (await http.PostRawAsync("threads", "{}")).AssertOk("ThreadObject");

        (await http.GetRawAsync($"threads/{id}")).AssertOk("ThreadObject");
        (await http.PostRawAsync($"threads/{id}", """{"metadata":{"k":"w"}}""")).AssertOk("ThreadObject");
        // GET /threads is not in the hosted API: each item must still be a thread object.
        var list = (await http.GetRawAsync("threads?limit=2")).AssertOk();
        AssertListEnvelope(list, expectedCount: 2);
        foreach (var thread in list["data"]!.AsArray())
            SpecSchemas.AssertValid("ThreadObject", thread);
        var deleted = (await http.DeleteRawAsync($"threads/{id}")).AssertOk("DeleteThreadResponse");
        Assert.Equal("thread.deleted", (string?)deleted["object"]);
    }

    [Fact]
    public async Task MessageResponsesMatchTheSpec()
    {
        using var http = server.CreateHttpClient();
        var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;

        var text = (await http.PostRawAsync($"threads/{thread}/messages", """{"role":"user","content":"plain","metadata":{"k":"v"}}""")).AssertOk("MessageObject");
        (await http.PostRawAsync($"threads/{thread}/messages", """
            {"role":"user","content":[{"type":"text","text":"look"},
              {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}},
              {"type":"image_file","image_file":{"file_id":"file_1"}}],
             "attachments":[{"file_id":"file_2","tools":[{"type":"file_search"}]}]}
            """)).AssertOk("MessageObject");
        (await http.PostRawAsync($"threads/{thread}/messages", """{"role":"assistant","content":"from the assistant"}""")).AssertOk("MessageObject");
        var id = (string)text["id"]!;

        (await http.GetRawAsync($"threads/{thread}/messages/{id}")).AssertOk("MessageObject");
        (await http.PostRawAsync($"threads/{thread}/messages/{id}", """{"metadata":{"k":"w"}}""")).AssertOk("MessageObject");
        AssertListEnvelope((await http.GetRawAsync($"threads/{thread}/messages")).AssertOk("ListMessagesResponse"), expectedCount: 3);
        AssertListEnvelope((await http.GetRawAsync($"threads/{thread}/messages?order=asc&limit=2")).AssertOk("ListMessagesResponse"), expectedCount: 2);
        var deleted = (await http.DeleteRawAsync($"threads/{thread}/messages/{id}")).AssertOk("DeleteMessageResponse");
        Assert.Equal("thread.message.deleted", (string?)deleted["object"]);
    }

    [Fact]
    public async Task RunAndRunStepResponsesMatchTheSpec()
    {
        using var http = server.CreateHttpClient();
        var assistant = (string)(await http.PostOkAsync("assistants", """{"model":"echo","instructions":"be an echo"}"""))["id"]!;
        var thread = (string)(await http.PostOkAsync("threads", """{"messages":[{"role":"user","content":"hi"}]}"""))["id"]!;

        var created = (await http.PostRawAsync($"threads/{thread}/runs?include[]=step_details.tool_calls[*].file_search.results[*].content",
            $$$"""{"assistant_id":"{{{assistant}}}","additional_messages":[],"metadata":{"k":"v"}}""")).AssertOk("RunObject");
        var run = (string)created["id"]!;
        var done = await RunWaiter.UntilTerminalAsync(http, thread, run);
        Assert.Equal("completed", (string?)done["status"]);

        (await http.GetRawAsync($"threads/{thread}/runs/{run}")).AssertOk("RunObject");
        (await http.PostRawAsync($"threads/{thread}/runs/{run}", """{"metadata":{"k":"w"}}""")).AssertOk("RunObject");
        AssertListEnvelope((await http.GetRawAsync($"threads/{thread}/runs")).AssertOk("ListRunsResponse"), expectedCount: 1);
        var steps = (await http.GetRawAsync($"threads/{thread}/runs/{run}/steps")).AssertOk("ListRunStepsResponse");
        AssertListEnvelope(steps, expectedCount: 1);
        var step = (string)steps["data"]![0]!["id"]!;
        (await http.GetRawAsync($"threads/{thread}/runs/{run}/steps/{step}")).AssertOk("RunStepObject");
        (await http.GetRawAsync($"threads/{thread}/runs/{run}/steps/{step}?include[]=step_details.tool_calls[*].file_search.results[*].content")).AssertOk("RunStepObject");

        // A queued run, and its cancel.
        var queued = (await http.PostRawAsync($"threads/{thread}/runs",
            $$"""{"assistant_id":"{{assistant}}","debounce_ms":600000,"max_wait_ms":600000}""")).AssertOk("RunObject");
        Assert.Equal("queued", (string?)queued["status"]);
        var cancelled = (await http.PostRawAsync($"threads/{thread}/runs/{queued["id"]}/cancel", "")).AssertOk("RunObject");
        Assert.Contains((string?)cancelled["status"], new[] { "cancelling", "cancelled" });

        // Create thread and run, and a failed run.
        var both = (await http.PostRawAsync("threads/runs", $$"""
            {"assistant_id":"{{assistant}}","thread":{"messages":[{"role":"user","content":"x"}]},"model":"no-such-model",
             "truncation_strategy":{"type":"last_messages","last_messages":5},"tool_choice":"none","response_format":"auto"}
            """)).AssertOk("RunObject");
        var failed = await RunWaiter.UntilTerminalAsync(http, (string)both["thread_id"]!, (string)both["id"]!);
        Assert.Equal("failed", (string?)failed["status"]);
        SpecSchemas.AssertValid("RunObject", failed);
        (await http.GetRawAsync($"threads/{both["thread_id"]}/runs/{both["id"]}/steps")).AssertOk();
    }

    [Fact]
    public async Task TheReplyOfARunMatchesTheSpec()
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var reply = (await http.GetRawAsync($"threads/{ids.ThreadId}/messages/{ids.ReplyId}")).AssertOk("MessageObject");

        Assert.Equal("assistant", (string?)reply["role"]);
        Assert.Equal(ids.RunId, (string?)reply["run_id"]);
    }

    [Fact]
    public async Task AnEmptyListIsAListWithNullCursors()
    {
        using var http = server.CreateHttpClient();
        var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;

        foreach (var path in new[] { $"threads/{thread}/messages", $"threads/{thread}/runs", "threads?external_id=nobody-has-this" })
        {
            var list = (await http.GetRawAsync(path)).AssertOk();

            Assert.Equal("list", (string?)list["object"]);
            Assert.Empty(list["data"]!.AsArray());
            Assert.True(list.ContainsKey("first_id") && list["first_id"] is null, path);
            Assert.True(list.ContainsKey("last_id") && list["last_id"] is null, path);
            Assert.Equal(false, (bool?)list["has_more"]);
        }
    }

    private static void AssertListEnvelope(JsonObject list, int expectedCount)
    {
        var data = list["data"]!.AsArray();
        Assert.Equal(expectedCount, data.Count);
        Assert.Equal((string?)data[0]!["id"], (string?)list["first_id"]);
        Assert.Equal((string?)data[^1]!["id"], (string?)list["last_id"]);
    }
}
