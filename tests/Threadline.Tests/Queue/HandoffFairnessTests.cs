using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// With every execution slot taken, a finishing run's slot goes to the run that has waited longest, whatever
/// its thread: a thread with a long queue of its own must not keep the slot while another thread's run,
/// made earlier, waits behind all of it. (Handoff within a thread is a shortcut, not a priority.)
/// </summary>
public sealed class HandoffFairnessTests
{
    [Fact]
    public async Task A_run_of_another_thread_that_waited_longer_starts_before_the_finishing_threads_next_run()
    {
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string> { ["Threadline:Queue:MaxConcurrentRuns"] = "1" },
        });
        using var http = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(http, "echo:600");
        var threadA = await QueueApi.CreateThreadWithMessageAsync(http, "a");
        var threadB = await QueueApi.CreateThreadWithMessageAsync(http, "b");

        // :: A1 takes the only slot (long enough that the other runs are all made while it works).
        var a1 = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{threadA}/runs", QueueApi.RunBody(assistantId, model: "echo:3000")));
        await QueueApi.WaitForStatusAsync(http, threadA, a1, "in_progress", TimeSpan.FromSeconds(20));

        // :: Then B1 on thread B, then A2..A4 behind A1 on thread A: all wait for the slot, B1 longest.
        var b1 = QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{threadB}/runs", QueueApi.RunBody(assistantId)));
        var later = new List<string>();
        for (var i = 2; i <= 4; i++)
            later.Add(QueueApi.Id(await QueueApi.PostOkAsync(http, $"threads/{threadA}/runs", QueueApi.RunBody(assistantId))));
        var a1Now = await QueueApi.GetRunAsync(http, threadA, a1);
        Assert.True(QueueApi.Status(a1Now) == "in_progress", $"A1 ended before the other runs were made; the test proves nothing: {a1Now.ToJsonString()}");
        Assert.Equal("queued", QueueApi.Status(await QueueApi.GetRunAsync(http, threadB, b1)));

        // :: Watch B1 and A2, read in that order: seeing A2 started while B1 (read just before) still waited means
        // A2 took the slot first (with one slot, B1 would otherwise have had to run its whole 600 ms between the two reads).
        var a2 = later[0];
        var seen = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var b1Status = QueueApi.Status(await QueueApi.GetRunAsync(http, threadB, b1));
            var a2Status = QueueApi.Status(await QueueApi.GetRunAsync(http, threadA, a2));
            var a1Status = QueueApi.Status(await QueueApi.GetRunAsync(http, threadA, a1));
            var line = $"A1 {a1Status}, B1 {b1Status}, A2 {a2Status}";
            if (seen.Count == 0 || seen[^1] != line)
                seen.Add(line);
            Assert.False(b1Status == "queued" && a2Status != "queued",
                $"A2 started while B1, made before it on another thread, still waited. Seen:\n  {string.Join("\n  ", seen)}");
            if (b1Status != "queued")
                break; // B1 went first
            Assert.True(DateTime.UtcNow < deadline, $"B1 did not start within 30 s. Seen:\n  {string.Join("\n  ", seen)}");
            await Task.Delay(20);
        }

        foreach (var (thread, run) in new[] { (threadA, a1), (threadB, b1) }.Concat(later.Select(r => (threadA, r))))
            Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, run, TimeSpan.FromSeconds(30))));
    }
}
