using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// A server that is told to stop (SIGTERM) and cannot finish its runs within its shutdown timeout gives them
/// up before it exits, so that another process on the same database takes them over at once, rather than
/// after their leases lapse (30 s by default): a run with no output yet is started again, anything else ends.
/// </summary>
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan TakeOverWithin = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task A_stopping_server_hands_its_running_run_to_another_server_at_once()
    {
        await WithDataDirectoryAsync(async dataDirectory =>
        {
            // A alone executes the run: B is not started until the run is in progress on A.
            await using var a = await StartWithShutdownTimeoutAsync(dataDirectory, seconds: 2);
            using var httpA = QueueApi.NewClient(a);
            var assistantId = await QueueApi.CreateAssistantAsync(httpA, "echo:60000"); // its first text comes after about 15 s
            var threadId = await QueueApi.CreateThreadWithMessageAsync(httpA, "take your time");
            var runId = QueueApi.Id(await QueueApi.PostOkAsync(httpA, $"threads/{threadId}/runs", QueueApi.RunBody(assistantId)));
            var onA = await QueueApi.WaitForStatusAsync(httpA, threadId, runId, "in_progress", TimeSpan.FromSeconds(20));
            var startedOnA = QueueApi.Long(onA, "started_at")!.Value;

            await using var b = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory });
            using var httpB = QueueApi.NewClient(b);
            try
            {
                // :: A is told to stop while the run has produced nothing yet.
                var beforeStop = await QueueApi.GetRunAsync(httpB, threadId, runId);
                Assert.True(QueueApi.Status(beforeStop) == "in_progress" && QueueApi.Long(beforeStop, "started_at") == startedOnA,
                    $"the run changed before A was stopped: {beforeStop.ToJsonString()}");
                var stopping = System.Diagnostics.Stopwatch.StartNew();
                await a.StopAsync();
                var exitedAfter = stopping.Elapsed;
                Assert.True(a.ExitedByItself,
                    $"A did not exit by itself after SIGTERM:\n{a.FormatLog(30)}");

                // :: B has it within seconds: started again (a later started_at), or ended.
                var deadline = DateTime.UtcNow + TakeOverWithin;
                JsonObject run;
                while (true)
                {
                    run = await QueueApi.GetRunAsync(httpB, threadId, runId);
                    var status = QueueApi.Status(run);
                    if (QueueApi.IsTerminal(status) || (status == "in_progress" && QueueApi.Long(run, "started_at") > startedOnA))
                        break;
                    Assert.True(DateTime.UtcNow < deadline,
                        $"{TakeOverWithin.TotalSeconds} s after A exited ({exitedAfter.TotalSeconds:F1} s after its SIGTERM) the run is still {status} with started_at {QueueApi.Long(run, "started_at")} " +
                        $"(it started on A at {startedOnA}): nobody took it over. {run.ToJsonString()}\n--- A ---\n{a.FormatLog(30)}\n--- B ---\n{b.FormatLog(30)}");
                    await Task.Delay(100);
                }
            }
            finally
            {
                // The run takes a minute when started again: cancel it so that B has nothing to wait for when it stops.
                await QueueApi.PostAsync(httpB, $"threads/{threadId}/runs/{runId}/cancel", new JsonObject());
            }
        });
    }

    /// <summary>
    /// A stream open at SIGTERM used to keep the server waiting for it, with its scheduler still claiming: a
    /// run that became eligible meanwhile was started (and finished) on the process that was stopping. Now
    /// the scheduler stops claiming as the host begins to stop, and a stream still waiting once this
    /// process has no run left to execute ends at once, without done: the run waits for another process.
    /// </summary>
    [Fact]
    public async Task A_stopping_server_claims_nothing_more_and_an_open_stream_does_not_hold_it()
    {
        await WithDataDirectoryAsync(async dataDirectory =>
        {
            await using var a = await StartWithShutdownTimeoutAsync(dataDirectory, seconds: 8);
            using var httpA = QueueApi.NewClient(a, Timeout.InfiniteTimeSpan);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var assistantId = await QueueApi.CreateAssistantAsync(httpA);
            var threadId = await QueueApi.CreateThreadWithMessageAsync(httpA, "after the deploy");

            // :: A streamed run that may start 3 s from now, and A told to stop before then.
            var body = QueueApi.RunBody(assistantId, debounceMs: 3000);
            body["stream"] = true;
            using var response = await httpA.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"threads/{threadId}/runs") { Content = JsonContent.Create(body) },
                HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            response.EnsureSuccessStatusCode();
            var frames = Sse.ReadAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token).GetAsyncEnumerator(timeout.Token);
            Assert.True(await frames.MoveNextAsync());
            Assert.Equal("thread.run.created", frames.Current.Event);
            var runId = (string)frames.Current.Json["id"]!;

            var stopping = Stopwatch.StartNew();
            await a.StopAsync();
            var exitedAfter = stopping.Elapsed;
            var events = new List<string>();
            while (await frames.MoveNextAsync())
                events.Add(frames.Current.Event);
            await frames.DisposeAsync();

            Assert.True(a.ExitedByItself, $"A did not exit by itself:\n{a.FormatLog(30)}");
            Assert.False(events.Contains("thread.run.in_progress") || events.Contains("done"),
                $"A started the run after its SIGTERM (exited {exitedAfter.TotalSeconds:F1} s after it); its stream then carried: {string.Join(", ", events)}");
            Assert.True(exitedAfter < TimeSpan.FromSeconds(3), $"A took {exitedAfter.TotalSeconds:F1} s to exit with nothing to execute");

            // :: Nothing acknowledged is lost: the next process runs it.
            await using var b = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory });
            using var httpB = QueueApi.NewClient(b);
            var run = await QueueApi.WaitForTerminalAsync(httpB, threadId, runId, TimeSpan.FromSeconds(30));
            Assert.Equal("completed", QueueApi.Status(run));
        });
    }

    /// <summary>
    /// A <c>responses.create</c> without <c>background</c> waits for its response; one still waiting once a
    /// stopping process has nothing left to execute is answered as it stands (queued), for the client to poll,
    /// rather than holding the process or being run on it.
    /// </summary>
    [Fact]
    public async Task A_stopping_server_answers_a_waiting_response_as_it_stands_and_another_runs_it()
    {
        await WithDataDirectoryAsync(async dataDirectory =>
        {
            await using var a = await StartWithShutdownTimeoutAsync(dataDirectory, seconds: 8);
            using var httpA = QueueApi.NewClient(a, Timeout.InfiniteTimeSpan);
            var conversationId = QueueApi.Id(await QueueApi.PostOkAsync(httpA, "conversations", new JsonObject()));

            // :: A response that may start 3 s from now, its create waiting; A told to stop once it is stored.
            var creating = QueueApi.PostAsync(httpA, "responses", new JsonObject
            {
                ["model"] = "echo",
                ["input"] = "after the deploy",
                ["conversation"] = conversationId,
                ["debounce_ms"] = 3000,
            });
            await Eventually.TrueAsync(async () => (await QueueApi.ListAllAsync(httpA, $"conversations/{conversationId}/items")).Count == 1,
                "the response's input stored");
            var stopping = Stopwatch.StartNew();
            await a.StopAsync();
            var exitedAfter = stopping.Elapsed;

            var created = (await creating).AssertOk();
            Assert.True(QueueApi.Status(created) == "queued",
                $"A answered the create {exitedAfter.TotalSeconds:F1} s after its SIGTERM with {created.ToJsonString()}");
            Assert.True(exitedAfter < TimeSpan.FromSeconds(3), $"A took {exitedAfter.TotalSeconds:F1} s to exit with nothing to execute");

            // :: The next process runs it.
            await using var b = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory });
            using var httpB = QueueApi.NewClient(b);
            await Eventually.TrueAsync(async () => QueueApi.Status(await QueueApi.GetOkAsync(httpB, $"responses/{QueueApi.Id(created)}")) == "completed",
                "the response completed on B");
        });
    }

    /// <summary>Runs <paramref name="test"/> with a data directory of its own for the servers it starts, deleted after.</summary>
    private static async Task WithDataDirectoryAsync(Func<string, Task> test)
    {
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        try
        {
            await test(dataDirectory);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>A server whose host waits at most <paramref name="seconds"/> at shutdown; the harness waits longer before it kills.</summary>
    private static Task<ThreadlineServer> StartWithShutdownTimeoutAsync(string dataDirectory, int seconds) =>
        ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            DataDirectory = dataDirectory,
            Arguments = new Dictionary<string, string> { ["shutdownTimeoutSeconds"] = $"{seconds}" },
            ShutdownTimeout = TimeSpan.FromSeconds(seconds + 10),
        });
}
