using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Threadline.Hosting;

namespace Threadline.Dashboard;

/// <summary>
/// Who may use the dashboard. Open while the server has no key of any kind (it then listens on
/// loopback only, like the API); otherwise only a session opened with an admin key. The session is the
/// framework's cookie authentication, sealed by the Data Protection key ring that every process on the
/// data already shares (the webhook secrets' ring), so any node honours a session another node opened.
/// </summary>
internal sealed class DashboardAccess
{
    public const string Scheme = "ThreadlineDashboard";
    public const string CookieName = "threadline_dashboard";
    public const string CsrfHeader = "X-Threadline-Csrf";
    public const string Path = "/dashboard";

    /// <summary>The claim naming which admin key opened the session: a session dies with its key's removal from configuration.</summary>
    private const string KeyClaim = "threadline:admin_key";

    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    private readonly (byte[] Key, string Id)[] _adminKeys;

    public DashboardAccess(ThreadlineOptions options)
    {
        _adminKeys = options.AdminKeys.Select(k => (Encoding.UTF8.GetBytes(k), KeyId(k))).ToArray();
        IsOpen = options.ApiKeys.Count == 0 && _adminKeys.Length == 0;
    }

    /// <summary>No key of any kind: whoever reaches the (loopback-only) server is the operator.</summary>
    public bool IsOpen { get; }

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<DashboardAccess>();
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.Path = Path;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = SessionLifetime;
            cookie.SlidingExpiration = false;
        });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = CsrfHeader;
            antiforgery.Cookie.Name = "threadline_csrf";
            antiforgery.Cookie.Path = Path;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
    }

    /// <summary>The admin key's id when <paramref name="presented"/> is one (compared in constant time); null otherwise.</summary>
    public string? Match(string presented)
    {
        var bytes = Encoding.UTF8.GetBytes(presented.Trim());
        string? found = null;
        foreach (var (key, id) in _adminKeys)
            if (CryptographicOperations.FixedTimeEquals(key, bytes))
                found = id;
        return found;
    }

    public static Task SignInAsync(HttpContext http, string keyId)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, "operator:" + keyId), new Claim(KeyClaim, keyId)], Scheme);
        return http.SignInAsync(Scheme, new ClaimsPrincipal(identity));
    }

    public static Task SignOutAsync(HttpContext http) => http.SignOutAsync(Scheme);

    /// <summary>Whether the request may see the dashboard; sets the request's user to the operator's session when it has one.</summary>
    public async Task<bool> AdmitAsync(HttpContext http)
    {
        if (IsOpen)
            return true;
        var session = await http.AuthenticateAsync(Scheme);
        if (!session.Succeeded || session.Principal.FindFirstValue(KeyClaim) is not { } keyId || !_adminKeys.Any(k => k.Id == keyId))
            return false;
        http.User = session.Principal;
        return true;
    }

    /// <summary>Who did it, for the log: the admin key's id (never the key), or the open loopback operator.</summary>
    public static string Operator(HttpContext http) =>
        http.User.FindFirstValue(KeyClaim) is { } keyId ? "admin key " + keyId : "loopback operator";

    private static string KeyId(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];
}
