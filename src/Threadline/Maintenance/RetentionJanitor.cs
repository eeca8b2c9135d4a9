using Threadline.Domain;
using Threadline.Idempotency;
using Threadline.Storage;
using Threadline.Webhooks;

namespace Threadline.Maintenance;

/// <summary>
/// Keeps what grows with use within its retention: idempotency keys past their window, and webhook
/// events (with their deliveries) made longer ago than <see cref="WebhookOptions.EventRetention"/>
/// whose deliveries have all ended (a delivery still retrying keeps its event); files past their
/// <c>expires_at</c> (deleted as a client would, bytes and all) and vector stores past theirs.
/// Runs every <see cref="IdempotencyOptions.PurgeInterval"/>; each pass deletes in bounded batches so
/// it never holds the write lock for long.
/// </summary>
internal sealed partial class RetentionJanitor(IStore store, IdempotencyOptions keys, WebhookOptions webhooks, Files.FileService files,
    TimeProvider time, ILogger<RetentionJanitor> logger) : BackgroundService
{
    private const int Batch = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(keys.PurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var (purgedKeys, purgedEvents) = await RunOnceAsync(stoppingToken);
                if (purgedKeys + purgedEvents > 0)
                    LogPurged(logger, purgedKeys, purgedEvents);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e);
            }
        }
    }

    public async Task<(int Keys, int Events)> RunOnceAsync(CancellationToken ct)
    {
        var purgedKeys = await store.WriteAsync(s => s.Idempotency.IdempotencyPurgeAsync(s.NowMs), ct);
        var before = time.GetUtcNow().Subtract(webhooks.EventRetention).ToUnixTimeSeconds();
        var purgedEvents = 0;
        while (true)
        {
            var purged = await store.WriteAsync(s => s.Webhooks.WebhookEventPurgeAsync(before, Batch), ct);
            purgedEvents += purged;
            if (purged < Batch)
                break;
        }
        await ExpireAsync(ct);
        return (purgedKeys, purgedEvents);
    }

    private async Task ExpireAsync(CancellationToken ct)
    {
        var now = time.UnixSeconds();
        foreach (var file in await store.ReadAsync(s => s.Files.FileListExpiredAsync(now, Batch), ct))
            await files.DeleteAsync(file.ProjectId, file.Id, ct);
        foreach (var vs in await store.ReadAsync(s => s.VectorStores.VectorStoreListExpiredAsync(now, Batch), ct))
            await store.WriteAsync(s => s.VectorStores.VectorStoreDeleteAsync(vs.ProjectId, vs.Id), ct);
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Deleted {Keys} expired idempotency keys and {Events} webhook events past their retention")]
    private static partial void LogPurged(ILogger logger, int keys, int events);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Purging past retention failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
