using Microsoft.Extensions.AI;
using Threadline.Domain;
using Threadline.Files;
using Threadline.Queue;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Retrieval.Indexing;

/// <summary>
/// Indexes the files queued in vector stores: extract the text, chunk it, embed the chunks, and
/// write them with the file's new status in one transaction. The queue is the store files
/// themselves (<c>in_progress</c>), claimed under a lease that is renewed as the work goes on;
/// when a process dies mid-file, the lease lapses and any node takes the file up from the start.
/// A file taken <see cref="FilesOptions.MaxIndexAttempts"/> times without finishing ends failed.
/// It sleeps until files are queued or a lease lapses.
/// </summary>
internal sealed partial class FileIndexer(
    IStore store, IFileContent content, EmbeddingRouter embedders, ProcessIdentity identity, FilesOptions options, TimeProvider time,
    ILogger<FileIndexer> logger) : BackgroundService
{
    /// <summary>Chunks embedded per call: large enough to keep the model busy, small enough to renew the lease between calls.</summary>
    private const int EmbedBatch = 32;

    /// <summary>The queue said work was due and the claim found none (another node took it): look again shortly, never in a tight loop.</summary>
    private static readonly TimeSpan NothingAfterAll = TimeSpan.FromMilliseconds(50);

    private readonly WakeSignal _wake = store.Changes.Subscribe(ChangeTopic.Indexing);

    private long LeaseMs => (long)options.IndexLease.TotalMilliseconds;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.IndexConcurrency).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await RunOnceAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                LogPassFailed(logger, e);
                wait = TimeSpan.FromSeconds(1);
            }
            if (wait != TimeSpan.Zero)
                await _wake.WaitAsync(wait, time, ct);
        }
    }

    /// <summary>Indexes one file if one is waiting; answers how long until the queue could have another (zero: look now).</summary>
    public async Task<TimeSpan> RunOnceAsync(CancellationToken ct)
    {
        var job = await store.WriteAsync(s => s.VectorStores.IndexingClaimAsync(identity.Owner, s.NowMs, LeaseMs), ct);
        if (job is not null)
        {
            await IndexAsync(job, ct);
            return TimeSpan.Zero;
        }
        var due = await store.ReadAsync(s => s.VectorStores.IndexingNextDueAsync(s.NowMs), ct);
        if (due is null)
            return Timeout.InfiniteTimeSpan;
        var wait = TimeSpan.FromMilliseconds(due.Value - time.UnixMilliseconds());
        return wait > TimeSpan.Zero ? wait : NothingAfterAll;
    }

    private async Task IndexAsync(IndexingJob job, CancellationToken ct)
    {
        var f = job.File;
        if (job.Attempt > options.MaxIndexAttempts)
        {
            await FailAsync(job, "server_error", $"Indexing did not finish after {options.MaxIndexAttempts} attempts.", ct);
            return;
        }
        if (job.Filename.Length == 0)
        {
            await FailAsync(job, "invalid_file", $"No file found with id '{f.FileId}'.", ct);
            return;
        }
        byte[] bytes;
        await using (var stream = await content.OpenReadAsync(f.FileId, ct))
        {
            if (stream is null)
            {
                await FailAsync(job, "invalid_file", "The file's content is missing.", ct);
                return;
            }
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        var text = TextExtractor.Extract(job.Filename, bytes);
        if (!text.Ok)
        {
            await FailAsync(job, text.ErrorCode!, text.ErrorMessage!, ct);
            return;
        }
        var pieces = Chunker.Shared.Split(text.Text!, f.Chunking);
        var model = job.EmbeddingModel.Length == 0 ? embedders.DefaultModel : job.EmbeddingModel;
        var embedder = embedders.For(model);
        var chunks = new List<ChunkInsert>(pieces.Count);
        var renewedAt = time.UnixMilliseconds();
        for (var i = 0; i < pieces.Count; i += EmbedBatch)
        {
            var batch = pieces.Skip(i).Take(EmbedBatch).ToList();
            var embedded = await embedder.GenerateAsync(batch.Select(p => p.Text), cancellationToken: ct);
            for (var j = 0; j < batch.Count; j++)
                chunks.Add(new ChunkInsert(batch[j].Index, batch[j].Text, batch[j].Tokens, EmbeddingBytes.ToBytes(embedded[j].Vector.Span)));
            if (time.UnixMilliseconds() - renewedAt > LeaseMs / 3)
            {
                if (!await store.WriteAsync(s => s.VectorStores.IndexingExtendAsync(job, s.NowMs + LeaseMs), ct))
                {
                    LogGaveUp(logger, f.FileId, f.VectorStoreId);
                    return; // cancelled, deleted, or taken over by another node: its result is not ours to write
                }
                renewedAt = time.UnixMilliseconds();
            }
        }
        var usage = chunks.Sum(c => (long)System.Text.Encoding.UTF8.GetByteCount(c.Text) + c.Embedding.Length);
        if (await store.WriteAsync(s => s.VectorStores.IndexingCompleteAsync(job, chunks, usage, model), ct))
            LogIndexed(logger, f.FileId, f.VectorStoreId, chunks.Count, job.Attempt);
    }

    private async Task FailAsync(IndexingJob job, string code, string message, CancellationToken ct)
    {
        if (await store.WriteAsync(s => s.VectorStores.IndexingFailAsync(job, code, message), ct))
            LogFailed(logger, job.File.FileId, job.File.VectorStoreId, code, message);
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Indexed file {FileId} in vector store {VectorStoreId}: {Chunks} chunks (attempt {Attempt})")]
    private static partial void LogIndexed(ILogger logger, string fileId, string vectorStoreId, int chunks, int attempt);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "File {FileId} in vector store {VectorStoreId} failed: {Code}: {Message}")]
    private static partial void LogFailed(ILogger logger, string fileId, string vectorStoreId, string code, string message);

    [LoggerMessage(EventId = 712, Level = LogLevel.Information, Message = "Stopped indexing file {FileId} in vector store {VectorStoreId}: it left the queue or another node holds it")]
    private static partial void LogGaveUp(ILogger logger, string fileId, string vectorStoreId);

    [LoggerMessage(EventId = 713, Level = LogLevel.Error, Message = "An indexing pass failed; trying again in a second")]
    private static partial void LogPassFailed(ILogger logger, Exception e);
}
