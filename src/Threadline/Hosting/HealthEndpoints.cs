using Threadline.Storage;

namespace Threadline.Hosting;

internal static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: and its database does too.</summary>
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (IStore store, CancellationToken ct) =>
        {
            try
            {
                await store.PingAsync(ct);
                return Results.Text("ready");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Text("database unreachable: " + (e.InnerException ?? e).Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }
}
