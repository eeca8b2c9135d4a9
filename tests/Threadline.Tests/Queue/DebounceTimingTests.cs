using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// A debounced run starts once its quiet period has ended, never before: on the real clock, several
/// threads each with their own deadline, measured on the runs' timelines (<c>started_at_ms - eligible_at_ms</c>).
/// How late it starts depends on the machine; the benchmark harness measures that, this test only prints it.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class DebounceTimingTests(ITestOutputHelper output)
{
    // At least a second each: the run must be seen queued, and in a loaded CI a create and its first poll
    // took over 550 ms (runs of 250, 400 and 550 ms had started before they were read).
    private static readonly long[] DebouncesMs = [1000, 1150, 1300, 1450, 1600];

    [Fact]
    public async Task A_debounced_run_never_starts_before_its_quiet_period_ends()
    {
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions());
        using var http = QueueApi.NewClient(server);
        var assistant = await QueueApi.CreateAssistantAsync(http);

        // Several threads at once, each with its own deadline, so that one timer must serve several runs in turn.
        var samples = await Task.WhenAll(DebouncesMs.Select(async debounce =>
        {
            var thread = await QueueApi.CreateThreadAsync(http);
            Assert.True((await QueueApi.AddMessageAsync(http, thread, $"quiet for {debounce} ms")).IsSuccess());
            var created = await QueueApi.PostOkAsync(http, $"threads/{thread}/runs", QueueApi.RunBody(assistant, debounceMs: debounce));
            var eligible = QueueApi.Long(created, "eligible_at_ms") ?? throw new InvalidOperationException("no eligible_at_ms: " + created.ToJsonString());
            var run = QueueApi.Id(created);

            // The deadline the run shows while it waits (the API shows it only then), polled until it ends.
            var shown = new List<long>();
            var ended = await QueueApi.WaitForRunAsync(http, thread, run, r =>
            {
                if (QueueApi.Status(r) == "queued" && QueueApi.Long(r, "eligible_at_ms") is { } e)
                {
                    shown.Add(e);
                }

                return QueueApi.IsTerminal(QueueApi.Status(r));
            }, TimeSpan.FromSeconds(10), "terminal");
            Assert.Equal("completed", QueueApi.Status(ended));
            var row = await RunTable.ReadOneAsync(http, thread, run);
            return (Debounce: debounce, Eligible: eligible, Shown: shown, Row: row);
        }));

        foreach (var (debounce, eligible, shown, row) in samples)
        {
            output.WriteLine($"debounce {debounce} ms: eligible_at_ms (response) {eligible}, (while queued) {string.Join(", ", shown.Distinct())}, " +
                             $"started_at_ms {row.StartedAtMs}: started {row.StartedAtMs - eligible} ms after the quiet period ended");
        }

        foreach (var (debounce, eligible, shown, row) in samples)
        {
            // The deadline answered is the one the run kept while it waited (no message came to move it).
            Assert.True(shown.Count > 0, $"debounce {debounce} ms: the run was never seen queued; its deadline went unchecked ({row})");
            Assert.All(shown, e => Assert.Equal(eligible, e));
            Assert.Equal(row.CreatedAtMs + debounce, eligible);
            var lateness = row.StartedAtMs!.Value - eligible;
            Assert.True(lateness >= 0, $"debounce {debounce} ms: the run started {-lateness} ms before its quiet period ended ({row})");
        }
    }
}
