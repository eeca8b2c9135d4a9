using Threadline.Api;
using Threadline.Assistants;
using Threadline.Auth;
using Threadline.Conversations;
using Threadline.Dashboard;
using Threadline.Files;
using Threadline.Hosting;
using Threadline.Idempotency;
using Threadline.Messages;
using Threadline.Responses;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage;
using Threadline.Threads;
using Threadline.VectorStores;
using Threadline.Webhooks;

// Configuration files sit beside the binary; the data directory is relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var options = builder.AddThreadline();
LoopbackGuard.Apply(builder, options);

var app = builder.Build();
await app.Services.GetRequiredService<IStore>().MigrateAsync(CancellationToken.None);
await app.Services.GetRequiredService<WebhookEndpointService>().SyncConfiguredAsync(CancellationToken.None);
StartupLog.Announce(app, options);

app.UseMiddleware<RequestIdMiddleware>();
app.UseMiddleware<ErrorMiddleware>();
app.MapHealth();
app.MapPrometheusScrapingEndpoint(); // /metrics

// Health probes stay open; everything under /v1 needs a key (when keys are configured).
app.UseWhen(http => http.Request.Path.StartsWithSegments("/v1"), v1 => v1
    .Use((http, next) => { FileEndpoints.LiftBodyLimit(http); return next(http); })
    .UseMiddleware<ApiKeyMiddleware>()
    .UseMiddleware<IdempotencyMiddleware>());

var api = app.MapGroup("/v1");
api.MapAssistants();
api.MapThreads();
api.MapMessages();
api.MapRuns();
api.MapRunSteps();
api.MapWebhooks();
api.MapConversations();
api.MapResponses();
api.MapFiles();
api.MapVectorStores();
app.MapDashboard();

// Anything else gets the hosted answer for an unknown route, in the envelope.
app.MapFallback((HttpContext http) => Wire.Json(
    new ErrorEnvelope(new ErrorBody($"Invalid URL ({http.Request.Method} {http.Request.Path})", "invalid_request_error", null, null)),
    StatusCodes.Status404NotFound));

try
{
    await app.StartAsync();
}
catch (LoopbackRefusedException e)
{
    StartupLog.Refused(app, e);
    return 1;
}
await app.WaitForShutdownAsync();
return 0;
