using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>Every route with an id that does not exist: 404 with the hosted text, in the envelope.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class NotFoundTests(SharedServerFixture server)
{
    public static TheoryData<string, string, string?, string> MissingIds => new()
    {
        { "GET", "assistants/asst_missing", null, "No assistant found with id 'asst_missing'." },
        { "POST", "assistants/asst_missing", """{"name":"x"}""", "No assistant found with id 'asst_missing'." },
        { "DELETE", "assistants/asst_missing", null, "No assistant found with id 'asst_missing'." },
        { "GET", "threads/thread_missing", null, "No thread found with id 'thread_missing'." },
        { "POST", "threads/thread_missing", """{"metadata":{}}""", "No thread found with id 'thread_missing'." },
        { "DELETE", "threads/thread_missing", null, "No thread found with id 'thread_missing'." },
        { "GET", "threads/thread_missing/messages", null, "No thread found with id 'thread_missing'." },
        { "POST", "threads/thread_missing/messages", """{"role":"user","content":"x"}""", "No thread found with id 'thread_missing'." },
        { "GET", "threads/thread_missing/messages/{M}", null, "No thread found with id 'thread_missing'." },
        { "GET", "threads/{T}/messages/msg_missing", null, "No message found with id 'msg_missing'." },
        { "POST", "threads/{T}/messages/msg_missing", """{"metadata":{}}""", "No message found with id 'msg_missing'." },
        { "DELETE", "threads/{T}/messages/msg_missing", null, "No message found with id 'msg_missing'." },
        { "GET", "threads/thread_missing/runs", null, "No thread found with id 'thread_missing'." },
        { "POST", "threads/thread_missing/runs", """{"assistant_id":"{A}"}""", "No thread found with id 'thread_missing'." },
        { "GET", "threads/thread_missing/runs/{R}", null, "No thread found with id 'thread_missing'." },
        { "POST", "threads/{T}/runs", """{"assistant_id":"asst_missing"}""", "No assistant found with id 'asst_missing'." },
        { "POST", "threads/runs", """{"assistant_id":"asst_missing"}""", "No assistant found with id 'asst_missing'." },
        { "GET", "threads/{T}/runs/run_missing", null, "No run found with id 'run_missing'." },
        { "POST", "threads/{T}/runs/run_missing", """{"metadata":{}}""", "No run found with id 'run_missing'." },
        { "POST", "threads/{T}/runs/run_missing/cancel", "", "No run found with id 'run_missing'." },
        { "POST", "threads/{T}/runs/run_missing/submit_tool_outputs", """{"tool_outputs":[]}""", "No run found with id 'run_missing'." },
        { "GET", "threads/{T}/runs/run_missing/steps", null, "No run found with id 'run_missing'." },
        { "GET", "threads/{T}/runs/run_missing/steps/{S}", null, "No run found with id 'run_missing'." },
        { "GET", "threads/{T}/runs/{R}/steps/step_missing", null, "No run step found with id 'step_missing'." },
        { "GET", "threads/thread_missing/runs/{R}/steps", null, "No thread found with id 'thread_missing'." },
    };

    [Theory]
    [MemberData(nameof(MissingIds))]
    public async Task AMissingIdIsA404WithTheHostedText(string method, string route, string? body, string message)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await SendAsync(http, method, ids.Fill(route), body is null ? null : ids.Fill(body));

        var error = response.AssertError(404, message);
        Assert.Null((string?)error["param"]);
    }

    [Fact]
    public async Task ObjectsOfAnotherThreadAreNotFoundUnderThisOne()
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();
        var other = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;

        (await http.GetRawAsync($"threads/{other}/messages/{ids.MessageId}")).AssertError(404, $"No message found with id '{ids.MessageId}'.");
        (await http.PostRawAsync($"threads/{other}/messages/{ids.MessageId}", """{"metadata":{}}""")).AssertError(404, $"No message found with id '{ids.MessageId}'.");
        (await http.DeleteRawAsync($"threads/{other}/messages/{ids.MessageId}")).AssertError(404, $"No message found with id '{ids.MessageId}'.");
        (await http.GetRawAsync($"threads/{other}/runs/{ids.RunId}")).AssertError(404, $"No run found with id '{ids.RunId}'.");
        (await http.PostRawAsync($"threads/{other}/runs/{ids.RunId}", """{"metadata":{}}""")).AssertError(404, $"No run found with id '{ids.RunId}'.");
        (await http.PostRawAsync($"threads/{other}/runs/{ids.RunId}/cancel", "")).AssertError(404, $"No run found with id '{ids.RunId}'.");
        (await http.GetRawAsync($"threads/{other}/runs/{ids.RunId}/steps")).AssertError(404, $"No run found with id '{ids.RunId}'.");
        (await http.GetRawAsync($"threads/{other}/runs/{ids.RunId}/steps/{ids.StepId}")).AssertError(404, $"No run found with id '{ids.RunId}'.");

        // And the objects are still there under their own thread.
        (await http.GetRawAsync($"threads/{ids.ThreadId}/messages/{ids.MessageId}")).AssertOk();
    }

    private static Task<ApiResponse> SendAsync(HttpClient http, string method, string path, string? body) => method switch
    {
        "GET" => http.GetRawAsync(path),
        "DELETE" => http.DeleteRawAsync(path),
        _ => http.PostRawAsync(path, body ?? ""),
    };
}
