using System.Globalization;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Dashboard;

/// <summary>The dashboard's streams on a real server: pages hear of changes, a run's page follows it live, and closed pages leave nothing.</summary>
public sealed class DashboardLiveTests(SharedServerFixture fixture) : IClassFixture<SharedServerFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private ThreadlineServer Server => fixture.Server;

    [Fact]
    public async Task EveryOpenPageHearsOfAWriteAndAClosedOneLeavesNoSubscriber()
    {
        using var timeout = new CancellationTokenSource(Limit);
        var before = await OpenStreamsAsync();
        var pages = new List<(HttpClient Http, IAsyncEnumerator<SseFrame> Frames)>();
        for (var i = 0; i < 4; i++)
        {
            var http = new HttpClient { BaseAddress = Server.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
            var response = await http.GetAsync("dashboard/api/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            response.EnsureSuccessStatusCode();
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var frames = Sse.ReadAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token).GetAsyncEnumerator(timeout.Token);
            Assert.True(await frames.MoveNextAsync());
            Assert.Equal("change", frames.Current.Event); // the one a page gets on connecting
            pages.Add((http, frames));
        }
        await Eventually.TrueAsync(async () => await OpenStreamsAsync() == before + 4, "4 open dashboard streams");

        using var api = QueueApi.NewClient(Server);
        var assistant = (await QueueApi.PostAsync(api, "assistants", new JsonObject { ["model"] = "echo" })).AssertOk();
        (await QueueApi.PostAsync(api, "threads/runs", new JsonObject { ["assistant_id"] = (string?)assistant["id"] })).AssertOk();

        foreach (var (_, frames) in pages)
        {
            Assert.True(await frames.MoveNextAsync());
            Assert.Equal("change", frames.Current.Event);
            Assert.True(frames.Current.Json["at_ms"]!.GetValue<long>() > 0);
        }
        foreach (var (http, frames) in pages)
        {
            await frames.DisposeAsync();
            http.Dispose();
        }
        await Eventually.TrueAsync(async () => await OpenStreamsAsync() == before, "the closed streams gone");
    }

    [Fact]
    public async Task ARunPageFollowsADebouncedRunFromQueuedToCompleted()
    {
        using var timeout = new CancellationTokenSource(Limit);
        using var api = QueueApi.NewClient(Server);
        var assistant = (await QueueApi.PostAsync(api, "assistants", new JsonObject { ["model"] = "echo:20" })).AssertOk();
        var thread = (await QueueApi.PostAsync(api, "threads", new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "three words here" }),
        })).AssertOk();
        var run = (await QueueApi.PostAsync(api, $"threads/{thread["id"]}/runs", new JsonObject
        {
            ["assistant_id"] = (string?)assistant["id"],
            ["debounce_ms"] = 1500,
        })).AssertOk();

        using var http = new HttpClient { BaseAddress = Server.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.GetAsync($"dashboard/api/runs/{run["id"]}/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        var frames = new List<SseFrame>();
        await foreach (var frame in Sse.ReadAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token))
        {
            frames.Add(frame);
            if (frame.Event == "done")
                break;
        }

        var statuses = frames.Where(f => f.Event == "status").Select(f => (string)f.Json["status"]!).ToArray();
        Assert.Equal(["queued", "in_progress", "completed"], statuses);
        Assert.Equal("three words here", string.Concat(frames.Where(f => f.Event == "text").Select(f => (string?)f.Json["delta"])));
        Assert.Contains(frames, f => f.Event == "message" && (string?)f.Json["status"] == "completed");
        Assert.Contains(frames, f => f.Event == "step" && (string?)f.Json["type"] == "message_creation");
    }

    [Fact]
    public async Task AnEndedRunAnswersItsStatusAndDoneAtOnce()
    {
        using var api = QueueApi.NewClient(Server);
        var assistant = (await QueueApi.PostAsync(api, "assistants", new JsonObject { ["model"] = "echo" })).AssertOk();
        var run = (await QueueApi.PostAsync(api, "threads/runs", new JsonObject
        {
            ["assistant_id"] = (string?)assistant["id"],
            ["thread"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) },
        })).AssertOk();
        await RunWaiter.UntilTerminalAsync(api, (string)run["thread_id"]!, (string)run["id"]!);

        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        var body = await http.GetStringAsync($"dashboard/api/runs/{run["id"]}/events");

        var frames = Sse.ParseStrict(body);
        Assert.Equal(["status", "done"], frames.Select(f => f.Event));
        Assert.Equal("completed", (string?)frames[0].Json["status"]);
    }

    private async Task<double> OpenStreamsAsync()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        var line = (await http.GetStringAsync("metrics")).Split('\n').FirstOrDefault(l => l.StartsWith("threadline_dashboard_streams", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
