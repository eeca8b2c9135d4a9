namespace Threadline.Tests.Infrastructure;

/// <summary>Ids of one of each resource: an echo assistant, a thread with a user message, and a completed run with its step and reply.</summary>
internal sealed record Scenario(string AssistantId, string ThreadId, string MessageId, string RunId, string StepId, string ReplyId)
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SharedServerFixture, Task<Scenario>> Shared = [];

    /// <summary>One scenario per shared server, made on first use, for tests that only need ids that exist (and must not change them).</summary>
    public static Task<Scenario> SharedAsync(SharedServerFixture server) =>
        Shared.GetValue(server, async s =>
        {
            using var http = s.CreateHttpClient();
            return await CompletedRunAsync(http);
        });

    /// <summary>Replaces <c>{A}</c>, <c>{T}</c>, <c>{M}</c>, <c>{R}</c> and <c>{S}</c> with the ids.</summary>
    public string Fill(string template) => template
        .Replace("{A}", AssistantId, StringComparison.Ordinal)
        .Replace("{T}", ThreadId, StringComparison.Ordinal)
        .Replace("{M}", MessageId, StringComparison.Ordinal)
        .Replace("{R}", RunId, StringComparison.Ordinal)
        .Replace("{S}", StepId, StringComparison.Ordinal);

    /// <summary>Makes the objects over raw HTTP and waits for the run to complete.</summary>
    public static async Task<Scenario> CompletedRunAsync(HttpClient http, string text = "hello")
    {
        var assistant = await http.PostOkAsync("assistants", """{"model":"echo","name":"scenario"}""");
        var assistantId = (string)assistant["id"]!;
        var thread = await http.PostOkAsync("threads", "{}");
        var threadId = (string)thread["id"]!;
        var message = await http.PostOkAsync($"threads/{threadId}/messages",
            System.Text.Json.JsonSerializer.Serialize(new { role = "user", content = text }));
        var run = await http.PostOkAsync($"threads/{threadId}/runs", $$"""{"assistant_id":"{{assistantId}}"}""");
        var runId = (string)run["id"]!;
        var done = await RunWaiter.UntilTerminalAsync(http, threadId, runId);
        if ((string?)done["status"] != "completed")
            throw new InvalidOperationException($"The scenario's run ended {done.ToJsonString()}");
        var steps = await http.GetOkAsync($"threads/{threadId}/runs/{runId}/steps");
        var step = steps["data"]!.AsArray().Single()!;
        return new Scenario(assistantId, threadId, (string)message["id"]!, runId, (string)step["id"]!,
            (string)step["step_details"]!["message_creation"]!["message_id"]!);
    }
}
