using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Dashboard;

/// <summary>
/// Open dashboard pages do not hold a stopping server: its streams (the page's changes, a waiting run's
/// events) end at once, without <c>done</c>, for the page to reconnect elsewhere. Before, each held the
/// process until the host's shutdown timeout (30 s) ran out.
/// </summary>
public sealed class DashboardShutdownTests
{
    [Fact]
    public async Task A_stopping_server_ends_its_dashboard_streams_and_exits_by_itself()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // The harness kills a server that has not exited 10 s after SIGTERM: well inside the host's 30 s.
        await using var server = await ThreadlineServer.StartAsync();
        using var api = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(api);
        var threadId = await QueueApi.CreateThreadWithMessageAsync(api, "later");
        // Debounced for ten minutes: it stays queued, so its page waits on its events, and nothing runs.
        var run = await QueueApi.PostOkAsync(api, $"threads/{threadId}/runs", new JsonObject
        {
            ["assistant_id"] = assistantId,
            ["debounce_ms"] = 600_000,
        });

        using var http = new HttpClient { BaseAddress = server.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        var changes = await OpenAsync(http, "dashboard/api/events", "change", timeout.Token);
        var runEvents = await OpenAsync(http, $"dashboard/api/runs/{QueueApi.Id(run)}/events", "status", timeout.Token);

        var stopping = Stopwatch.StartNew();
        await server.StopAsync();
        Assert.True(server.ExitedByItself,
            $"the server did not exit by itself within 10 s of SIGTERM:\n{server.FormatLog(30)}");

        // Each stream ended as a response does (not cut by a killed process), and without done.
        foreach (var (path, frames) in new[] { ("events", changes), ("run events", runEvents) })
        {
            var rest = new List<string>();
            while (await frames.MoveNextAsync())
                rest.Add(frames.Current.Event);
            Assert.False(rest.Contains("done"), $"the {path} stream ended with done: {string.Join(", ", rest)}");
            await frames.DisposeAsync();
        }
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopped after {stopping.Elapsed}");
    }

    private static async Task<IAsyncEnumerator<SseFrame>> OpenAsync(HttpClient http, string path, string firstEvent, CancellationToken ct)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        var frames = Sse.ReadAsync(await response.Content.ReadAsStreamAsync(ct), ct).GetAsyncEnumerator(ct);
        Assert.True(await frames.MoveNextAsync(), $"{path} ended before its first frame");
        Assert.Equal(firstEvent, frames.Current.Event);
        return frames;
    }
}
