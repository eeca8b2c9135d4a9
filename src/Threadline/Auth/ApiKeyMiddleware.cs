using System.Security.Cryptography;
using System.Text;
using Threadline.Api;
using Threadline.Hosting;

namespace Threadline.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> against the configured keys; each key belongs to a project.
/// With no key configured, every request acts for the default project (the server then listens
/// on loopback only).
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ThreadlineOptions options)
{
    private readonly (byte[] Key, string Project)[] _keys =
        options.ApiKeys.Select(k => (Encoding.UTF8.GetBytes(k.Key), k.Project)).ToArray();

    public Task InvokeAsync(HttpContext context)
    {
        if (_keys.Length == 0)
        {
            context.SetProject(ProjectContext.DefaultProject);
            return next(context);
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            throw new ApiException(StatusCodes.Status401Unauthorized,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error");
        var presented = Encoding.UTF8.GetBytes(header[7..].Trim());
        foreach (var (key, project) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key, presented))
            {
                context.SetProject(project);
                return next(context);
            }
        }
        throw new ApiException(StatusCodes.Status401Unauthorized,
            $"Incorrect API key provided: {Redact(header[7..].Trim())}.", "invalid_request_error", null, "invalid_api_key");
    }

    private static string Redact(string key) => key.Length <= 8 ? "****" : key[..3] + new string('*', 4) + key[^4..];
}
