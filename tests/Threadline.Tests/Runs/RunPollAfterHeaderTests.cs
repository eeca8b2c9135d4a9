using System.Globalization;
using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Runs;

/// <summary>
/// <c>openai-poll-after-ms</c> (what the Node SDK's poll helpers wait between polls) on every answer that
/// carries a run that is not terminal yet, and not on a terminal one. The runs that are checked for it
/// wait (a model that takes a minute, or a tool call) so that they cannot race to their end first.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class RunPollAfterHeaderTests(SharedServerFixture server)
{
    private const string Header = "openai-poll-after-ms";

    /// <summary>Its first text comes after about 15 s: a run on it stays in progress for the whole test, which cancels it.</summary>
    private const string WaitingModel = "echo:60000";

    [Fact]
    public async Task QueuedAndInProgressRunsCarryTheHeaderAndACompletedOneDoesNot()
    {
        using var http = server.CreateHttpClient();
        var assistantId = await AssistantAsync(http, WaitingModel, "[]");
        var threadId = await ThreadAsync(http, "poll me");

        var created = await http.PostRawAsync($"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}"}""");
        var run = created.AssertOk("RunObject");
        var runId = (string)run["id"]!;
        AssertPollAfter(created, (string)run["status"]!);

        await RunWaiter.UntilAsync(http, threadId, runId, r => (string?)r["status"] == "in_progress", "in_progress");
        var inProgress = await http.GetRawAsync($"threads/{threadId}/runs/{runId}");
        AssertPollAfter(inProgress, (string)inProgress.AssertOk()["status"]!);
        (await http.PostRawAsync($"threads/{threadId}/runs/{runId}/cancel", "")).AssertOk();
        await RunWaiter.UntilTerminalAsync(http, threadId, runId);

        // A run that completes (on the quick model) carries no header.
        runId = (string)(await http.PostOkAsync($"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}","model":"echo"}"""))["id"]!;
        await RunWaiter.UntilTerminalAsync(http, threadId, runId);
        var completed = await http.GetRawAsync($"threads/{threadId}/runs/{runId}");
        Assert.Equal("completed", (string?)completed.AssertOk()["status"]);
        Assert.Null(completed.Header(Header));

        var modified = await http.PostRawAsync($"threads/{threadId}/runs/{runId}", """{"metadata":{"k":"v"}}""");
        modified.AssertOk();
        Assert.Null(modified.Header(Header));
    }

    [Fact]
    public async Task CreateThreadAndRunAndCancelAnswersCarryTheHeaderAndTheCancelledRunDoesNot()
    {
        using var http = server.CreateHttpClient();
        var assistantId = await AssistantAsync(http, WaitingModel, "[]");

        var created = await http.PostRawAsync("threads/runs",
            JsonSerializer.Serialize(new { assistant_id = assistantId, thread = new { messages = new[] { new { role = "user", content = "slow" } } } }));
        var run = created.AssertOk("RunObject");
        var (threadId, runId) = ((string)run["thread_id"]!, (string)run["id"]!);
        AssertPollAfter(created, (string)run["status"]!);

        await RunWaiter.UntilAsync(http, threadId, runId, r => (string?)r["status"] == "in_progress", "in_progress");
        var cancel = await http.PostRawAsync($"threads/{threadId}/runs/{runId}/cancel", "");
        var status = (string)cancel.AssertOk("RunObject")["status"]!;
        Assert.Equal("cancelling", status);
        AssertPollAfter(cancel, status);

        await RunWaiter.UntilTerminalAsync(http, threadId, runId);
        var cancelled = await http.GetRawAsync($"threads/{threadId}/runs/{runId}");
        Assert.Equal("cancelled", (string?)cancelled.AssertOk()["status"]);
        Assert.Null(cancelled.Header(Header));
    }

    [Fact]
    public async Task ARunWaitingForToolOutputsAndTheSubmitAnswerCarryTheHeader()
    {
        using var http = server.CreateHttpClient();
        var assistantId = await AssistantAsync(http, "echo", """[{"type":"function","function":{"name":"ping"}}]""");
        var threadId = await ThreadAsync(http, "call:ping {}");
        var runId = (string)(await http.PostOkAsync($"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}"}"""))["id"]!;
        var waiting = await RunWaiter.UntilAsync(http, threadId, runId, r => (string?)r["status"] == "requires_action", "requires_action");
        var callId = (string)waiting["required_action"]!["submit_tool_outputs"]!["tool_calls"]![0]!["id"]!;

        var get = await http.GetRawAsync($"threads/{threadId}/runs/{runId}");
        AssertPollAfter(get, (string)get.AssertOk()["status"]!);
        var submitted = await http.PostRawAsync($"threads/{threadId}/runs/{runId}/submit_tool_outputs",
            $$"""{"tool_outputs":[{"tool_call_id":"{{callId}}","output":"pong"}]}""");
        var resumed = submitted.AssertOk("RunObject");
        AssertPollAfter(submitted, (string)resumed["status"]!);

        var done = await RunWaiter.UntilTerminalAsync(http, threadId, runId);
        Assert.Equal("completed", (string?)done["status"]);
    }

    private static void AssertPollAfter(ApiResponse response, string status)
    {
        Assert.False(status is "completed" or "failed" or "cancelled" or "expired" or "incomplete",
            $"{response.Request}: the run is already {status}; the test's runs must wait so that the header can be checked");
        var value = response.Header(Header);
        Assert.True(value is not null, $"{response.Request}: a {status} run without '{Header}'");
        Assert.True(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and <= 5000,
            $"{response.Request}: '{Header}: {value}' is not a small positive number of milliseconds");
    }

    private static async Task<string> AssistantAsync(HttpClient http, string model, string tools) =>
        (string)(await http.PostOkAsync("assistants", $$"""{"model":"{{model}}","tools":{{tools}}}"""))["id"]!;

    private static async Task<string> ThreadAsync(HttpClient http, string text) =>
        (string)(await http.PostOkAsync("threads", JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = text } } })))["id"]!;
}
