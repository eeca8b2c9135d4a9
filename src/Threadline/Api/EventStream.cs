using System.Buffers;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Threadline.Runs;

namespace Threadline.Api;

/// <summary>
/// Writes frames as <c>text/event-stream</c> with the framework's <see cref="SseFormatter"/>: each frame
/// <c>event: &lt;name&gt;\ndata: &lt;json&gt;\n\n</c>, the stream ending with <c>event: done\ndata: [DONE]</c>.
/// Frames go into the response's pipe without a flush each; the pipe is flushed when the source has
/// nothing more ready (or much is buffered), so a burst costs one write, and a delta is sent the moment
/// it is the last one there. A client that goes away stops the writing, not the run. A failure once the
/// stream has begun (the database went) ends it with an <c>error</c> frame holding the error object.
/// A stream given <c>hangUp</c> ends without <c>done</c> when it fires, as a dropped connection would, for a
/// client that reconnects by itself (an <c>EventSource</c>) and finds the same stream on another node.
/// </summary>
internal static class EventStream
{
    private const int FlushAtBytes = 64 * 1024;
    private static readonly SseItem<SseFrame> Done = new(new SseFrame("done", "[DONE]"u8.ToArray()), "done");

    /// <param name="rest">The events after <paramref name="first"/>, given the token that ends the stream (the client's leaving, or <paramref name="hangUp"/>).</param>
    public static async Task WriteAsync<T>(HttpResponse response, IEnumerable<T> first, Func<CancellationToken, IAsyncEnumerable<T>> rest, Func<T, SseFrame[]> project,
        CancellationToken hangUp = default)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(response.HttpContext.RequestAborted, hangUp);
        var ct = ended.Token;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var pipe = new UnflushedPipeStream(response.BodyWriter);
        try
        {
            await SseFormatter.WriteAsync(Items(first, rest(ct), project, pipe, ct), pipe,
                static (item, writer) => writer.Write(item.Data.Data), ct);
            await pipe.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client left, or we hung up (what is written still goes out as the response ends); the run goes on.
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await WriteErrorAsync(pipe, e, response.HttpContext);
            throw;
        }
    }

    /// <summary>
    /// Begun, a stream can no longer tell a failure by its status: the hosted API's <c>error</c> event does
    /// (the SDKs raise it), instead of an end that looks like a dropped connection. The caller rethrows, for
    /// the error middleware to log.
    /// </summary>
    private static async Task WriteErrorAsync(UnflushedPipeStream pipe, Exception e, HttpContext http)
    {
        var error = ErrorEnvelope.From(ErrorMiddleware.Translate(e, http)).Error;
        var frame = new SseFrame("error", JsonSerializer.SerializeToUtf8Bytes(error, WireJson.Info<ErrorBody>()));
        try
        {
            await SseFormatter.WriteAsync(new[] { new SseItem<SseFrame>(frame, frame.Event) }.ToAsyncEnumerable(), pipe,
                static (item, writer) => writer.Write(item.Data.Data), http.RequestAborted);
            await pipe.FlushAsync(http.RequestAborted);
        }
        catch (Exception)
        {
            // The connection is gone too; the first failure is the one to report.
        }
    }

    private static async IAsyncEnumerable<SseItem<SseFrame>> Items<T>(IEnumerable<T> first, IAsyncEnumerable<T> rest, Func<T, SseFrame[]> project,
        UnflushedPipeStream pipe, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var e in first)
            foreach (var frame in project(e))
                yield return new SseItem<SseFrame>(frame, frame.Event);
        await using var events = rest.GetAsyncEnumerator(ct);
        while (true)
        {
            var next = events.MoveNextAsync();
            if (!next.IsCompleted || pipe.Unflushed >= FlushAtBytes)
                await pipe.FlushAsync(ct);
            if (!await next)
                break;
            foreach (var frame in project(events.Current))
                yield return new SseItem<SseFrame>(frame, frame.Event);
        }
        // A source that stopped because the stream was ended (it may stop quietly) has not finished: no done.
        ct.ThrowIfCancellationRequested();
        yield return Done;
    }

    /// <summary>Writes into the pipe without flushing; <see cref="FlushAsync(CancellationToken)"/> sends what is there.</summary>
    private sealed class UnflushedPipeStream(PipeWriter writer) : Stream
    {
        public long Unflushed { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            writer.Write(buffer);
            Unflushed += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (Unflushed == 0)
                return;
            Unflushed = 0;
            await writer.FlushAsync(cancellationToken);
        }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
