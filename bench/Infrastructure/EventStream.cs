using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Threadline.Bench.Infrastructure;

/// <summary>What a line of a server-sent event stream means to the reader timing it.</summary>
internal enum StreamLine { Other, Token, End, Failure }

/// <summary>A stream read to its end line: time to the first token line (null when none came), to the end, and tokens seen.</summary>
internal sealed record StreamOutcome(double? FirstTokenMs, double TotalMs, int Tokens);

/// <summary>POSTs a streaming request and times its lines as they arrive, client side.</summary>
internal static class EventStream
{
    /// <summary>Reads until a line <paramref name="classify"/> calls the end; null on a failure line, a status other than 2xx, or a stream that stops first.</summary>
    public static async Task<StreamOutcome?> PostAsync(HttpClient client, string path, JsonNode body, Func<string, StreamLine> classify, CancellationToken ct)
    {
        var t0 = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(body) };
        request.Headers.Accept.Add(Http.EventStream);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
            return null;
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream);
        double? first = null;
        var tokens = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            switch (classify(line))
            {
                case StreamLine.Token:
                    first ??= LatencyRecorder.Ms(t0);
                    tokens++;
                    break;
                case StreamLine.End:
                    return new StreamOutcome(first, LatencyRecorder.Ms(t0), tokens);
                case StreamLine.Failure:
                    return null;
            }
        }
        return null;
    }

    /// <summary>
    /// Threadline's run stream: a text delta is a token, <paramref name="endEvent"/> ends the reading
    /// (<c>thread.run.completed</c>, or <c>done</c> for the whole stream), a run that did not complete fails it.
    /// </summary>
    public static Func<string, StreamLine> ThreadlineRun(string endEvent) => line => line switch
    {
        "event: thread.message.delta" => StreamLine.Token,
        _ when line == "event: " + endEvent => StreamLine.End,
        "event: thread.run.failed" or "event: error" or "event: thread.run.expired" or "event: thread.run.cancelled"
            or "event: thread.run.incomplete" or "event: thread.run.requires_action" => StreamLine.Failure,
        _ => StreamLine.Other,
    };

    /// <summary>
    /// Threadline's response stream (Responses API): a text delta is a token, <c>response.completed</c> ends the
    /// reading, a response that failed or stopped short fails it.
    /// </summary>
    public static StreamLine ThreadlineResponse(string line) => line switch
    {
        "event: response.output_text.delta" => StreamLine.Token,
        "event: response.completed" => StreamLine.End,
        "event: response.failed" or "event: response.incomplete" or "event: error" => StreamLine.Failure,
        _ => StreamLine.Other,
    };
}
