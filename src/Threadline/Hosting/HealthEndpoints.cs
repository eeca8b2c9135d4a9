using Threadline.Api;
using Threadline.Storage;

namespace Threadline.Hosting;

internal static partial class HealthEndpoints
{
    /// <summary>
    /// <c>/healthz</c>: the process answers. <c>/readyz</c>: and its database does too, and takes
    /// writes. Not ready answers 503 with a coarse reason (<c>not ready: storage_full</c>); the
    /// database's own words go to the log only.
    /// </summary>
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (IStore store, ILoggerFactory loggers, CancellationToken ct) =>
        {
            var logger = loggers.CreateLogger("Threadline.Health");
            // A full disk still serves reads, so a ping alone would keep a load balancer sending writes that fail.
            // Once refused, only a write that commits says there is room again; readiness makes its own, as no
            // client's write may come while it says not ready.
            if (store.WriteHealth.Full && await WriteRefusedAsync(store, ct) is { } full)
                return NotReady(logger, StoreErrors.StorageFull, full);
            try
            {
                await store.PingAsync(ct);
                return Results.Text("ready");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return NotReady(logger, StoreErrors.DatabaseUnavailable, e);
            }
        });
    }

    /// <returns>The refusal when the probe write found the disk still full; null when it committed or failed otherwise (the ping tells).</returns>
    private static async Task<Exception?> WriteRefusedAsync(IStore store, CancellationToken ct)
    {
        try
        {
            await store.WriteProbeAsync(ct);
            return null;
        }
        catch (StorageFullException e)
        {
            return e;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private static IResult NotReady(ILogger logger, string reason, Exception e)
    {
        LogNotReady(logger, reason, (e.InnerException ?? e).Message);
        return Results.Text("not ready: " + reason, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "/readyz answered 503 {Reason} ({Cause})")]
    private static partial void LogNotReady(ILogger logger, string reason, string cause);
}
