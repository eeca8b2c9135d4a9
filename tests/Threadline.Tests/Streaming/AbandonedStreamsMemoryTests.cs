using System.Globalization;
using System.Net;
using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Streaming;

/// <summary>
/// Streams dropped after their first delta leave nothing behind once their runs end: the server's own
/// count of run event logs (<c>threadline_stream_event_logs</c> on <c>/metrics</c>) returns to 0, and the
/// GC heap stays within a bound. The linger for a log no stream followed is set far beyond the test, so
/// only the streams' leaving can free what they followed.
/// </summary>
public sealed class AbandonedStreamsMemoryTests(ITestOutputHelper output)
{
    private const int Streams = 300;

    /// <summary>The managed heap after the last collection: about 8 MB idle, 15-20 MB after the burst (measured); a retained log per stream would grow it with every burst.</summary>
    private const long HeapBoundBytes = 64L * 1024 * 1024;

    [Fact]
    public async Task Streams_dropped_after_their_first_delta_leave_no_event_log_once_their_runs_end()
    {
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string> { ["Threadline:StreamLinger"] = "00:10:00" },
        });
        using var http = server.CreateHttpClient();
        var assistantId = (string)(await http.PostOkAsync("assistants", """{"model":"echo:1000"}"""))["id"]!;

        // :: Streams that read to the first delta, then hang up.
        var runs = await Task.WhenAll(Enumerable.Range(0, Streams).Select(i => AbandonAsync(http, assistantId, i)));
        var atHangUp = await ScrapeAsync(server);
        output.WriteLine($"after {Streams} hang-ups: {Describe(atHangUp)}");

        // :: Every run completes; then no log (and no reader of one) is left.
        foreach (var (threadId, runId) in runs)
            Assert.Equal("completed", (string?)(await RunWaiter.UntilTerminalAsync(http, threadId, runId, TimeSpan.FromSeconds(60)))["status"]);
        var settled = await ScrapeAsync(server);
        output.WriteLine($"runs ended: {Describe(settled)}");
        await Eventually.TrueAsync(async () => (settled = await ScrapeAsync(server)).Logs == 0 && settled.Readers == 0,
            $"free of event logs ({Describe(settled)})");
        output.WriteLine($"settled: {Describe(settled)}");
        Assert.True(settled.HeapBytes < HeapBoundBytes, $"the GC heap is {settled.HeapBytes / 1e6:F1} MB after {Streams} abandoned streams (bound {HeapBoundBytes / 1e6:F0} MB)");
    }

    private static async Task<(string ThreadId, string RunId)> AbandonAsync(HttpClient http, string assistantId, int i)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var body = JsonSerializer.Serialize(new
        {
            assistant_id = assistantId,
            stream = true,
            thread = new { messages = new[] { new { role = "user", content = $"message {i}, long enough to come back in several pieces" } } },
        });
        using var response = await Sse.PostStreamAsync(http, "threads/runs", body, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string? threadId = null, runId = null;
        await foreach (var frame in Sse.ReadAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token))
        {
            if (frame.Event == "thread.run.created")
                (threadId, runId) = ((string?)frame.Json["thread_id"], (string?)frame.Json["id"]);
            if (frame.Event == "thread.message.delta")
                break; // hang up in the middle of the reply
        }
        Assert.NotNull(runId);
        return (threadId!, runId!);
    }

    private sealed record Scrape(double Logs, double Readers, long HeapBytes, long CommittedBytes, long WorkingSetBytes);

    private static string Describe(Scrape s) =>
        $"{s.Logs} event logs, {s.Readers} readers, GC heap {s.HeapBytes / 1e6:F1} MB, committed {s.CommittedBytes / 1e6:F1} MB, working set {s.WorkingSetBytes / 1e6:F1} MB";

    private static async Task<Scrape> ScrapeAsync(ThreadlineServer server)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var lines = (await http.GetStringAsync("metrics")).Split('\n');
        double Sum(string name) => lines
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ')
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        return new Scrape(Sum("threadline_stream_event_logs"), Sum("threadline_stream_readers"),
            (long)Sum("dotnet_gc_last_collection_heap_size_bytes"), (long)Sum("dotnet_gc_last_collection_memory_committed_size_bytes"),
            (long)Sum("dotnet_process_memory_working_set_bytes"));
    }
}
