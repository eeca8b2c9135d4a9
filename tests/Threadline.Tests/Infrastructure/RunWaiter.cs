using System.Text.Json.Nodes;
using OpenAI.Assistants;
using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>Polls a run (through the SDK or raw HTTP) until a condition holds, failing at a deadline.</summary>
internal static class RunWaiter
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <c>GetRunAsync</c> until the run is terminal.</summary>
    public static Task<ThreadRun> UntilTerminalAsync(AssistantClient client, string threadId, string runId, TimeSpan? timeout = null) =>
        UntilAsync(client, threadId, runId, run => run.Status.IsTerminal, "a terminal status", timeout);

    public static async Task<ThreadRun> UntilAsync(AssistantClient client, string threadId, string runId, Func<ThreadRun, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            ThreadRun run = await client.GetRunAsync(threadId, runId);
            if (condition(run))
                return run;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Run {runId} did not reach {what} within {timeout ?? DefaultTimeout}; last status {run.Status}, last_error {run.LastError?.Code}: {run.LastError?.Message}");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <c>GET threads/{t}/runs/{r}</c> until the status is terminal; returns the run.</summary>
    public static Task<JsonObject> UntilTerminalAsync(HttpClient http, string threadId, string runId, TimeSpan? timeout = null) =>
        UntilAsync(http, threadId, runId, run => (string?)run["status"] is "completed" or "failed" or "cancelled" or "expired" or "incomplete", "a terminal status", timeout);

    public static async Task<JsonObject> UntilAsync(HttpClient http, string threadId, string runId, Func<JsonObject, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var run = await http.GetOkAsync($"threads/{threadId}/runs/{runId}");
            if (condition(run))
                return run;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Run {runId} did not reach {what} within {timeout ?? DefaultTimeout}; last: {run.ToJsonString()}");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <c>GetRunAsync</c> until the run completed; fails if it ended otherwise.</summary>
    public static async Task<ThreadRun> UntilCompletedAsync(AssistantClient client, string threadId, string runId, TimeSpan? timeout = null)
    {
        var run = await UntilTerminalAsync(client, threadId, runId, timeout);
        Assert.True(run.Status == RunStatus.Completed, $"Run {runId} ended {run.Status}: {run.LastError?.Code} {run.LastError?.Message}");
        return run;
    }
}
