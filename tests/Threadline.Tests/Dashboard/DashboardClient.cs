using System.Net;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.Dashboard;

/// <summary>A browser's view of the dashboard: its own cookie jar, no redirects followed, and the anti-forgery token once signed in.</summary>
internal sealed class DashboardClient : IDisposable
{
    public DashboardClient(ThreadlineServer server, CookieContainer? cookies = null)
    {
        Cookies = cookies ?? new CookieContainer();
        Http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = server.BaseUrl };
    }

    public CookieContainer Cookies { get; }

    public HttpClient Http { get; }

    public string? CsrfToken { get; private set; }

    public Task<ApiResponse> SignInAsync(string key) =>
        Http.SendRawAsync(new HttpRequestMessage(HttpMethod.Post, "dashboard/login")
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("key", key)]),
        });

    /// <summary>Reads the session (and its anti-forgery token); fails unless the dashboard admits this client.</summary>
    public async Task<JsonObject> SessionAsync()
    {
        var session = (await Http.GetRawAsync("dashboard/api/session")).AssertOk();
        CsrfToken = (string?)session["csrf_token"];
        return session;
    }

    public Task<ApiResponse> GetAsync(string path) => Http.GetRawAsync(path);

    /// <summary>An action, with the anti-forgery token when <paramref name="withToken"/> (and the client has one).</summary>
    public Task<ApiResponse> PostAsync(string path, bool withToken = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("") };
        if (withToken && CsrfToken is not null)
            request.Headers.Add("X-Threadline-Csrf", CsrfToken);
        return Http.SendRawAsync(request);
    }

    public void Dispose() => Http.Dispose();
}
