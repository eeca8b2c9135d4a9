using System.Diagnostics;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// <c>max_wait_ms</c> bounds a debounced run's wait: with <c>debounce_ms</c> 1000 and <c>max_wait_ms</c>
/// 1500, messages arriving every 300 ms for 3 s keep restarting the quiet period, yet the run starts
/// 1500 ms after it was made (within a margin), and sees the messages that had arrived by then.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class MaxWaitTests(ITestOutputHelper output)
{
    private const long DebounceMs = 1000;
    private const long MaxWaitMs = 1500;
    private const long MarginMs = 250;

    [Fact]
    public async Task A_debounced_run_starts_at_its_max_wait_while_messages_keep_arriving()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var http = QueueApi.NewClient(server);
        using var sender = QueueApi.NewClient(server);
        var assistant = await QueueApi.CreateAssistantAsync(http);
        var thread = await QueueApi.CreateThreadAsync(http);
        Assert.True((await QueueApi.AddMessageAsync(http, thread, "message 0")).IsSuccess());

        var created = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, debounceMs: DebounceMs, maxWaitMs: MaxWaitMs));
        var run = QueueApi.Id(created);
        Assert.Equal(MaxWaitMs, QueueApi.Long(created, "max_wait_ms"));

        // :: A message every 300 ms for 3 s, from another client, each acknowledged; after each, the
        // deadline the run shows while it still waits (the API shows it only then).
        var clock = Stopwatch.StartNew();
        var sent = new List<(int N, long AtMs)>();
        var shown = new List<long>();
        for (var n = 1; clock.ElapsedMilliseconds < 3000; n++)
        {
            var response = await QueueApi.AddMessageAsync(sender, thread, $"message {n}");
            Assert.True(response.IsSuccess(), response.Summary());
            sent.Add((n, clock.ElapsedMilliseconds));
            var state = await QueueApi.GetRunAsync(http, thread, run);
            if (QueueApi.Status(state) == "queued")
            {
                shown.Add(QueueApi.Long(state, "eligible_at_ms")!.Value);
            }

            var next = n * 300L - clock.ElapsedMilliseconds;
            if (next > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(next));
            }
        }

        Assert.Equal("completed", QueueApi.Status(await QueueApi.WaitForTerminalAsync(http, thread, run, TimeSpan.FromSeconds(10))));
        var row = await RunTable.ReadOneAsync(http, thread, run);
        var waited = row.StartedAtMs!.Value - row.CreatedAtMs;
        output.WriteLine($"debounce {DebounceMs} ms, max wait {MaxWaitMs} ms, {sent.Count} messages every 300 ms: " +
                         $"the run started {waited} ms after it was made (eligible_at_ms - created_at_ms while it waited: " +
                         $"{string.Join(", ", shown.Select(e => e - row.CreatedAtMs))} ms)");

        // Each message moved the deadline, but never past the max wait, where it stayed until the run started.
        Assert.True(shown.Count > 0 && shown[^1] == row.CreatedAtMs + MaxWaitMs && shown.All(e => e <= row.CreatedAtMs + MaxWaitMs),
            $"eligible_at_ms while the run waited: {string.Join(", ", shown)}; expected at most, and at last, created_at_ms + max_wait_ms = {row.CreatedAtMs + MaxWaitMs} ({row})");
        Assert.True(waited >= MaxWaitMs, $"the run started after {waited} ms, before its max wait, although the quiet period never ended ({row})");
        Assert.True(waited <= MaxWaitMs + MarginMs, $"the run started after {waited} ms, later than its max wait {MaxWaitMs} ms + {MarginMs} ms ({row})");

        // It answered what had arrived when it started; the rest waits for a later run (none was asked for).
        var reply = Assert.Single(await QueueApi.ListAllAsync(http, $"threads/{thread}/messages?run_id={run}"));
        var answered = QueueApi.Text(reply).Split('\n');
        Assert.Equal("message 0", answered[0]);
        Assert.InRange(answered.Length, 5, sent.Count);
        Assert.Equal(Enumerable.Range(0, answered.Length).Select(n => $"message {n}"), answered);
    }
}
