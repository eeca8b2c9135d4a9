using System.Diagnostics;
using Microsoft.AspNetCore.Antiforgery;
using Threadline.Api;

namespace Threadline.Dashboard;

/// <summary>
/// Every request under <c>/dashboard</c>: never cached, timed (<c>Server-Timing</c>), and refused
/// without an operator's session (a page goes to the sign-in form, the JSON API answers 401); every
/// action carries the anti-forgery token. Only the sign-in form and the static assets (code, no data)
/// are served to anyone.
/// </summary>
internal sealed class DashboardGuard(RequestDelegate next, DashboardAccess access, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.CacheControl = "no-store";
            headers.Pragma = "no-cache";
            headers["X-Content-Type-Options"] = "nosniff";
            headers["X-Frame-Options"] = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";
            headers["Server-Timing"] = FormattableString.Invariant($"app;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0}");
            return Task.CompletedTask;
        });

        var path = http.Request.Path;
        if (path.StartsWithSegments("/dashboard/assets") || path.StartsWithSegments("/dashboard/login"))
        {
            await next(http);
            return;
        }
        var api = path.StartsWithSegments("/dashboard/api");
        if (!await access.AdmitAsync(http))
        {
            if (!api && HttpMethods.IsGet(http.Request.Method))
            {
                http.Response.Redirect("/dashboard/login");
                return;
            }
            throw new ApiException(StatusCodes.Status401Unauthorized,
                "Sign in to the dashboard with an admin key (Threadline:AdminKeys) first.", "invalid_request_error", null, "dashboard_signin_required");
        }
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            try
            {
                await antiforgery.ValidateRequestAsync(http);
            }
            catch (AntiforgeryValidationException)
            {
                throw ApiException.Invalid($"This action needs the dashboard's anti-forgery token in the {DashboardAccess.CsrfHeader} header.", null, "invalid_csrf_token");
            }
        }
        await next(http);
    }
}
