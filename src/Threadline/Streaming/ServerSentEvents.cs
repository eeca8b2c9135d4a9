using System.Text;
using System.Text.Json;
using Threadline.Api;

namespace Threadline.Streaming;

/// <summary>
/// Writes run events as <c>text/event-stream</c>: each frame <c>event: &lt;name&gt;\ndata: &lt;json&gt;\n\n</c>,
/// the stream ending with <c>event: done\ndata: [DONE]</c>. A client that goes away stops the
/// writing, not the run.
/// </summary>
internal static class ServerSentEvents
{
    private static readonly byte[] Done = "event: done\ndata: [DONE]\n\n"u8.ToArray();

    public static async Task WriteAsync(HttpResponse response, IEnumerable<RunEvent> first, IAsyncEnumerable<RunEvent> rest)
    {
        var ct = response.HttpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            foreach (var e in first)
                await WriteEventAsync(response, e, ct);
            await foreach (var e in rest.WithCancellation(ct))
                await WriteEventAsync(response, e, ct);
            await response.Body.WriteAsync(Done, ct);
            await response.Body.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client left; the run goes on.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, RunEvent e, CancellationToken ct)
    {
        var frame = new StringBuilder(256)
            .Append("event: ").Append(e.Name).Append('\n')
            .Append("data: ").Append(JsonSerializer.Serialize(e.Data, e.Data.GetType(), WireJson.Options)).Append("\n\n");
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame.ToString()), ct);
        await response.Body.FlushAsync(ct);
    }
}
