using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Idempotency;

/// <summary>Deletes idempotency keys past their retention window.</summary>
internal sealed partial class IdempotencyJanitor(IThreadlineStore store, IdempotencyOptions options, TimeProvider time, ILogger<IdempotencyJanitor> logger)
    : BackgroundService
{
    public Task<int> RunOnceAsync(CancellationToken ct) => store.IdempotencyPurgeAsync(time.UnixMilliseconds(), ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var purged = await RunOnceAsync(stoppingToken);
                if (purged > 0)
                    LogPurged(logger, purged);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Deleted {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Purging expired idempotency keys failed; trying again later")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
