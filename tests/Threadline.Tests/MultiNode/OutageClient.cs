using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;

namespace Threadline.Tests.MultiNode;

/// <summary>One HTTP attempt as a client saw it, on the test's clock (milliseconds).</summary>
internal sealed record Attempt(int Node, string Request, long StartedAtMs, long LatencyMs, int Status, string? Code, bool Enveloped)
{
    public long EndedAtMs => StartedAtMs + LatencyMs;

    public bool Succeeded => Status is >= 200 and < 300;

    public override string ToString() => $"node {Node} {Request} at {StartedAtMs} ms: {Status} {Code} in {LatencyMs} ms";
}

/// <summary>
/// An independent front end through an outage, as a careful one is written: every POST carries an
/// Idempotency-Key and is sent again with the same key on a 503, a refused connection or a 409 while the
/// key's first request is in flight, until it is acknowledged or the client is stopped. Every attempt
/// is recorded, for the test to judge.
/// </summary>
internal sealed class OutageClient(int node, HttpClient http, Stopwatch clock, ConcurrentQueue<Attempt> attempts)
{
    /// <summary>Between retries: a client that hammers a database coming back only slows it.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    public int Node { get; } = node;

    /// <summary>The body of the acknowledged answer, or null when the client was stopped first or the key's outcome cannot be learnt.</summary>
    public async Task<JsonObject?> PostAsync(string path, JsonObject body, CancellationToken stop) =>
        TryParse(await UntilAnsweredAsync(HttpMethod.Post, path, body, Guid.NewGuid().ToString("N"), stop));

    public async Task<JsonObject?> GetAsync(string path, CancellationToken stop) =>
        TryParse(await UntilAnsweredAsync(HttpMethod.Get, path, null, null, stop));

    /// <summary>
    /// A streamed POST (<c>stream: true</c>), read to its end: the object of its first frame named
    /// <paramref name="firstEvent"/>, or null as for <see cref="PostAsync"/>. A stream the outage cut off
    /// (no <c>done</c>) is recorded as such and still tells what it made.
    /// </summary>
    public async Task<JsonObject?> PostStreamAsync(string path, JsonObject body, string firstEvent, CancellationToken stop)
    {
        body["stream"] = true;
        var text = await UntilAnsweredAsync(HttpMethod.Post, path, body, Guid.NewGuid().ToString("N"), stop);
        var prefix = $"event: {firstEvent}\ndata: ";
        return text?.Split("\n\n").FirstOrDefault(f => f.StartsWith(prefix, StringComparison.Ordinal)) is { } frame ? TryParse(frame[prefix.Length..]) : null;
    }

    /// <summary>How a streamed request's <see cref="Attempt.Request"/> ends.</summary>
    public const string Streamed = " (stream)";

    /// <summary>A stream that ended with neither its <c>done</c> frame nor an <c>error</c> one.</summary>
    public const string CutStream = "stream_cut";

    /// <summary>The code of the <c>error</c> frame that ended a stream, if one did.</summary>
    private static string? ErrorEventCode(string text)
    {
        const string prefix = "event: error\ndata: ";
        var last = text.TrimEnd('\n').Split("\n\n")[^1];
        return last.StartsWith(prefix, StringComparison.Ordinal) ? (string?)TryParse(last[prefix.Length..])?["code"] ?? "(no code)" : null;
    }

    private async Task<string?> UntilAnsweredAsync(HttpMethod method, string path, JsonObject? body, string? key, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var (status, code, text) = await SendOnceAsync(method, path, body, key, stop);
            if (status is >= 200 and < 300)
                return text;
            // Committed, but its answer was never recorded (the database went mid-request): nobody can say what it made.
            if (code == "idempotency_key_interrupted")
                return null;
            if (status is not (0 or 503 or 409))
                throw new InvalidOperationException($"{method} {path}: unexpected {status}: {text}");
            try
            {
                await Task.Delay(RetryPause, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return null;
    }

    /// <summary>Polls the run (as the SDKs' poll helpers do) until it is terminal; its last state, or null when stopped first.</summary>
    public async Task<JsonObject?> PollUntilTerminalAsync(string threadId, string runId, CancellationToken stop)
    {
        while (await GetAsync($"threads/{threadId}/runs/{runId}", stop) is { } run)
        {
            if (QueueApi.IsTerminal(QueueApi.Status(run)))
                return run;
            try
            {
                await Task.Delay(RetryPause, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return null;
    }

    /// <summary>One attempt, not retried: its status (0 when no answer came).</summary>
    public async Task<int> ProbeAsync(string path) => (await SendOnceAsync(HttpMethod.Get, path, null, null, CancellationToken.None)).Status;

    private async Task<(int Status, string? Code, string? Text)> SendOnceAsync(HttpMethod method, string path, JsonObject? body, string? key, CancellationToken stop)
    {
        var started = clock.ElapsedMilliseconds;
        int status;
        string? code = null;
        string? text = null;
        var enveloped = false;
        try
        {
            // Not cancelled by the stop: an attempt under way is seen to its answer, so that its latency counts.
            var response = await QueueApi.SendAsync(http, method, path, body, key);
            status = response.StatusCode;
            text = response.Text;
            if (response.IsSuccess() && response.ContentHeaders?.ContentType?.MediaType == "text/event-stream" && !text.EndsWith(Sse.Done, StringComparison.Ordinal))
                code = ErrorEventCode(text) ?? CutStream;
            if (!response.IsSuccess() && TryParse(text)?["error"] is JsonObject error)
            {
                code = (string?)error["code"];
                enveloped = error["message"] is JsonValue && error["type"] is JsonValue
                            && response.ContentHeaders?.ContentType?.MediaType == "application/json"
                            && (status != 503 || response.Header("Retry-After") is not null);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            status = 0;
            code = e.GetType().Name;
        }
        attempts.Enqueue(new Attempt(Node, $"{method} {path}{(body?["stream"] is null ? "" : Streamed)}", started, clock.ElapsedMilliseconds - started, status, code, enveloped));
        return (status, code, text);
    }

    private static JsonObject? TryParse(string? text)
    {
        if (text is null)
            return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
