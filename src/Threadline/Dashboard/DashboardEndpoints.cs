using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Threadline.Api;

namespace Threadline.Dashboard;

/// <summary>The dashboard's routes (docs/dashboard.md): the sign-in form, the pages' shell, its assets, the JSON API and its streams.</summary>
internal static class DashboardEndpoints
{
    /// <summary>The views the shell renders; any other path under <c>/dashboard</c> is not a page.</summary>
    private static readonly string[] Pages = ["/dashboard", "/dashboard/threads", "/dashboard/threads/{id}", "/dashboard/runs", "/dashboard/runs/{id}", "/dashboard/webhooks", "/dashboard/nodes"];

    public static void MapDashboard(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(DashboardAccess.Path), branch => branch.UseMiddleware<DashboardGuard>());

        foreach (var page in Pages)
            app.MapGet(page, (DashboardAssets assets) => assets.Page("index.html"));
        app.MapGet("/dashboard/assets/{name}", (string name, DashboardAssets assets) => assets.Serve(name));
        DashboardSignIn.Map(app);

        var api = app.MapGroup("/dashboard/api");
        api.MapGet("/session", (HttpContext http, DashboardAccess access, DashboardReads reads, IAntiforgery antiforgery) =>
            DashboardJson.Result(new SessionItem(true, access.IsOpen ? "open" : "key", antiforgery.GetAndStoreTokens(http).RequestToken!, reads.Node)));
        api.MapGet("/overview", async (HttpContext http, DashboardReads reads) => DashboardJson.Result(await reads.OverviewAsync(http.RequestAborted)));
        api.MapGet("/threads", async (HttpContext http, DashboardReads reads) =>
            DashboardJson.Result(await reads.ThreadsAsync(ThreadSearch(http.Request.Query), http.RequestAborted)));
        api.MapGet("/threads/{threadId}", async (string threadId, HttpContext http, DashboardReads reads) =>
            DashboardJson.Result(await reads.ThreadAsync(threadId, http.RequestAborted) ?? throw ApiException.NoSuch("thread", threadId)));
        api.MapGet("/threads/{threadId}/messages", async (string threadId, HttpContext http, DashboardReads reads) =>
            DashboardJson.Result(await reads.MessagesAsync(threadId, Before(http.Request.Query), Limit(http.Request.Query), http.RequestAborted)));
        api.MapGet("/runs", async (HttpContext http, DashboardReads reads) =>
            DashboardJson.Result(await reads.RunsAsync(RunSearch(http.Request.Query), http.RequestAborted)));
        api.MapGet("/runs/{runId}", async (string runId, HttpContext http, DashboardReads reads) =>
            DashboardJson.Result(await reads.RunAsync(runId, http.RequestAborted) ?? throw ApiException.NoSuch("run", runId)));
        // The pages' streams end when the server begins to stop, for their EventSource to reconnect elsewhere.
        api.MapGet("/runs/{runId}/events", async (string runId, HttpContext http, DashboardReads reads, DashboardLive live, Storage.IStore store,
            IHostApplicationLifetime lifetime) =>
        {
            var run = await store.ReadAsync(s => s.Runs.RunGetByIdAsync(runId), http.RequestAborted) ?? throw ApiException.NoSuch("run", runId);
            await live.RunEventsAsync(http.Response, run, lifetime.ApplicationStopping);
        });
        api.MapGet("/events", (HttpContext http, DashboardLive live, IHostApplicationLifetime lifetime) =>
            live.ChangesAsync(http.Response, lifetime.ApplicationStopping));
        api.MapGet("/webhooks", async (HttpContext http, DashboardReads reads) => DashboardJson.Result(await reads.EndpointsAsync(http.RequestAborted)));
        api.MapGet("/deliveries", async (HttpContext http, DashboardReads reads) =>
            DashboardJson.Result(await reads.DeliveriesAsync(DeliverySearch(http.Request.Query), http.RequestAborted)));
        api.MapGet("/nodes", async (HttpContext http, DashboardReads reads) => DashboardJson.Result(await reads.NodesAsync(http.RequestAborted)));

        api.MapPost("/runs/{runId}/cancel", async (string runId, HttpContext http, DashboardActions actions) =>
            DashboardJson.Result(await actions.CancelRunAsync(http, runId)));
        api.MapPost("/deliveries/{deliveryId}/replay", async (string deliveryId, HttpContext http, DashboardActions actions) =>
            DashboardJson.Result(await actions.ReplayDeliveryAsync(http, deliveryId)));
        api.MapPost("/webhooks/{endpointId}/disable", async (string endpointId, HttpContext http, DashboardActions actions) =>
            DashboardJson.Result(await actions.SetEndpointEnabledAsync(http, endpointId, enabled: false)));
        api.MapPost("/webhooks/{endpointId}/enable", async (string endpointId, HttpContext http, DashboardActions actions) =>
            DashboardJson.Result(await actions.SetEndpointEnabledAsync(http, endpointId, enabled: true)));

        // Anything else under the dashboard's API is not a route: the envelope, not the API fallback's words.
        api.Map("/{**rest}", (HttpContext http) => Results.Json(
            new ErrorEnvelope(new ErrorBody($"Invalid URL ({http.Request.Method} {http.Request.Path})", "invalid_request_error", null, null)),
            WireJson.Info<ErrorEnvelope>(), statusCode: StatusCodes.Status404NotFound));
    }

    /// <summary><c>thread_…</c> is an id, <c>key=value</c> a metadata pair, anything else an external id.</summary>
    private static ThreadQuery ThreadSearch(IQueryCollection query)
    {
        var q = Text(query, "q", 512)?.Trim();
        var (before, limit) = (Before(query), Limit(query));
        if (string.IsNullOrEmpty(q))
            return new ThreadQuery(null, null, null, null, before, limit);
        if (q.StartsWith("thread_", StringComparison.Ordinal) && !q.Contains('='))
            return new ThreadQuery(q, null, null, null, before, limit);
        if (q.IndexOf('=') is > 0 and var at)
            return new ThreadQuery(null, null, q[..at].Trim(), q[(at + 1)..].Trim(), before, limit);
        return new ThreadQuery(null, q, null, null, before, limit);
    }

    private static RunQuery RunSearch(IQueryCollection query)
    {
        var status = Text(query, "status", 32);
        if (status is not null && !(Runs.RunStatus.IsActive(status) || Runs.RunStatus.IsTerminal(status) || status == Runs.RunStatus.Queued))
            throw ApiException.Invalid($"Invalid status '{status}'.", "status");
        return new RunQuery(status, Text(query, "assistant_id", 128), Text(query, "model", 256),
            Number(query, "since_ms"), Number(query, "until_ms"), Before(query), Limit(query));
    }

    private static DeliveryQuery DeliverySearch(IQueryCollection query)
    {
        var status = Text(query, "status", 32);
        if (status is not null and not ("pending" or "succeeded" or "failed"))
            throw ApiException.Invalid($"Invalid status '{status}': one of pending, succeeded, failed.", "status");
        return new DeliveryQuery(status, Text(query, "endpoint_id", 128), Before(query), Limit(query));
    }

    private static string? Text(IQueryCollection query, string name, int maxLength)
    {
        var value = query[name].ToString();
        if (value.Length == 0)
            return null;
        return value.Length <= maxLength ? value : throw ApiException.Invalid($"'{name}' is longer than {maxLength} characters.", name);
    }

    private static long? Number(IQueryCollection query, string name) =>
        Text(query, name, 20) is not { } text ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw ApiException.Invalid($"Invalid '{name}': expected a non-negative integer.", name);

    private static long? Before(IQueryCollection query) => Number(query, "before");

    private static int Limit(IQueryCollection query) => Number(query, "limit") switch
    {
        null => 50,
        >= 1 and <= 100 and var n => (int)n,
        _ => throw ApiException.Invalid("Invalid 'limit': expected an integer from 1 to 100.", "limit"),
    };
}
