using System.Net;

namespace Threadline.Dashboard;

/// <summary>The sign-in form and the sign-out action. A refused key is logged (never the key itself).</summary>
internal static partial class DashboardSignIn
{
    private const string ErrorMarker = "<!--error-->";

    public static void Map(WebApplication app)
    {
        app.MapGet("/dashboard/login", (DashboardAccess access, DashboardAssets assets) =>
            access.IsOpen ? Results.Redirect("/dashboard") : assets.Page("login.html"));

        app.MapPost("/dashboard/login", async (HttpContext http, DashboardAccess access, DashboardAssets assets, ILogger<DashboardAccess> logger) =>
        {
            if (access.IsOpen)
                return SeeOther("/dashboard");
            if (!http.Request.HasFormContentType)
                return Refused(assets, "Sign in with the form.", StatusCodes.Status400BadRequest);
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            if (access.Match(form["key"].ToString()) is not { } keyId)
            {
                LogRefused(logger, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                return Refused(assets, "That is not an admin key (Threadline:AdminKeys).", StatusCodes.Status401Unauthorized);
            }
            await DashboardAccess.SignInAsync(http, keyId);
            LogSignedIn(logger, keyId);
            return SeeOther("/dashboard");
        });

        app.MapPost("/dashboard/logout", async (HttpContext http) =>
        {
            await DashboardAccess.SignOutAsync(http);
            return SeeOther("/dashboard/login");
        });
    }

    /// <summary>After a form's POST, the browser GETs the next page (and a reload does not post again).</summary>
    private static IResult SeeOther(string location) => Results.Extensions.SeeOther(location);

    private static IResult Refused(DashboardAssets assets, string message, int status) =>
        assets.Page("login.html", ErrorMarker, $"<p class=\"error\" role=\"alert\" data-testid=\"login-error\">{WebUtility.HtmlEncode(message)}</p>", status);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Dashboard: a sign-in from {Remote} was refused (not an admin key)")]
    private static partial void LogRefused(ILogger logger, string remote);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "Dashboard: admin key {KeyId} signed in")]
    private static partial void LogSignedIn(ILogger logger, string keyId);
}

internal static class SeeOtherResult
{
    public static IResult SeeOther(this IResultExtensions _, string location) => new SeeOtherStatus(location);

    private sealed class SeeOtherStatus(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
