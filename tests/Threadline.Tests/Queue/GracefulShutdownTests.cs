using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
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
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        try
        {
            // A alone executes the run: B is not started until the run is in progress on A.
            await using var a = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                DataDirectory = dataDirectory,
                Arguments = new Dictionary<string, string> { ["shutdownTimeoutSeconds"] = "2" },
            });
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
                Assert.True(a.HasExited && !a.LogLines.Any(l => l.StartsWith("[harness] no exit", StringComparison.Ordinal)),
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
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
