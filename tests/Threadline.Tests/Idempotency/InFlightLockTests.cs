using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.Idempotency;

/// <summary>
/// <c>Threadline:Idempotency:InFlightLock</c> is how long a key stays taken by a request whose process may have
/// died. A request that is alive and still answering (here a long stream) keeps its key however long it takes:
/// a retry with the same key answers 409 while it runs (and a replay once it is done), and never does the work
/// a second time because the first request outlived the lock.
/// </summary>
public sealed class InFlightLockTests
{
    private const string Key = "k1";
    private static readonly TimeSpan Lock = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task A_retry_while_a_long_streaming_request_outlives_the_in_flight_lock_never_runs_it_again()
    {
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string> { ["Threadline:Idempotency:InFlightLock"] = "00:00:01" },
        });
        using var http = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(http, "echo:5000"); // streams for about 5 s
        var body = JsonSerializer.Serialize(new
        {
            assistant_id = assistantId,
            stream = true,
            thread = new { messages = new[] { new { role = "user", content = "only once, please" } } },
        });

        // :: The first request: its stream is read to the end in the background.
        using var first = await PostAsync(http, body);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstBody = first.Content.ReadAsStringAsync();
        var clock = Stopwatch.StartNew();

        // :: Retries with the same key and body, well past the lock, while the first still streams.
        var retries = new List<(TimeSpan At, int Status, string Answer)>();
        while (clock.Elapsed < RetryFor)
        {
            await Task.Delay(RetryEvery); // the pace of a client's retries
            var at = clock.Elapsed;
            using var retry = await PostAsync(http, body);
            // A 200 is either a replay of the first response (once it is done) or the work done again; the first
            // frame (thread.created) tells them apart by the thread it names, and comes at once either way.
            var answer = retry.StatusCode == HttpStatusCode.OK ? await FirstFrameAsync(retry) : await retry.Content.ReadAsStringAsync();
            retries.Add((at, (int)retry.StatusCode, answer));
        }

        var whole = await firstBody.WaitAsync(TimeSpan.FromSeconds(30));
        var streamed = clock.Elapsed; // (at the latest)
        var frames = Sse.ParseStrict(whole);
        Assert.True(frames[^2].Event == "thread.run.completed", $"the first request's stream ended with {frames[^2]}");
        var threadId = (string)frames[0].Json["id"]!;
        var threads = await QueueApi.GetOkAsync(http, "threads?limit=100");

        var wrong = retries.Where(r => r.Status != 409 && !(r.Status == 200 && r.Answer == frames[0].Data)).ToList();
        var report = $"the in-flight lock is {Lock.TotalSeconds} s; the first request's stream ended {streamed.TotalSeconds:F1} s after its headers " +
            $"and made {threadId}; retries:\n  " + string.Join("\n  ", retries.Select(Describe));
        Assert.True(wrong.Count == 0, $"{wrong.Count} retries answered neither 409 nor a replay of the first response:\n  " +
            string.Join("\n  ", wrong.Select(Describe)) + $"\n{report}");
        Assert.True(threads.Ids().SequenceEqual([threadId]), $"threads made: {string.Join(", ", threads.Ids())}, expected only {threadId}\n{report}");
    }

    private static string Describe((TimeSpan At, int Status, string Answer) r) =>
        $"after {r.At.TotalMilliseconds:F0} ms: {r.Status} {(r.Answer.Length > 200 ? r.Answer[..200] + "..." : r.Answer)}";

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "threads/runs") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", Key);
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<string> FirstFrameAsync(HttpResponseMessage response)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        await foreach (var frame in Sse.ReadAsync(stream, timeout.Token))
            return frame.Data;
        return "(no frame)";
    }
}
