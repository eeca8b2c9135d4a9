using System.Net;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Dashboard;

/// <summary>A server with an API key and an admin key, as production runs it.</summary>
public sealed class AdminKeyServer : IAsyncLifetime
{
    public const string ApiKey = "sk-project-key";
    public const string AdminKey = "admin-key-0123456789";

    internal ThreadlineServer Server { get; private set; } = null!;

    internal static Dictionary<string, string> Keys(string adminKey = AdminKey) => new()
    {
        ["Threadline:ApiKeys:0:Key"] = ApiKey,
        ["Threadline:AdminKeys:0"] = adminKey,
    };

    public async Task InitializeAsync() => Server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { Arguments = Keys() });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>With keys configured the dashboard is closed to everyone but an operator signed in with an admin key.</summary>
public sealed class DashboardAccessTests(AdminKeyServer fixture) : IClassFixture<AdminKeyServer>
{
    private ThreadlineServer Server => fixture.Server;

    public static readonly TheoryData<string> Pages =
        ["dashboard", "dashboard/threads", "dashboard/threads/thread_x", "dashboard/runs", "dashboard/runs/run_x", "dashboard/webhooks", "dashboard/nodes"];

    public static readonly TheoryData<string> Reads =
    [
        "dashboard/api/session", "dashboard/api/overview", "dashboard/api/threads", "dashboard/api/threads?q=user-1",
        "dashboard/api/threads/thread_x", "dashboard/api/threads/thread_x/messages", "dashboard/api/runs", "dashboard/api/runs/run_x",
        "dashboard/api/runs/run_x/events", "dashboard/api/events", "dashboard/api/webhooks", "dashboard/api/deliveries", "dashboard/api/nodes",
    ];

    public static readonly TheoryData<string> Actions =
    [
        "dashboard/api/runs/run_x/cancel", "dashboard/api/deliveries/whdel_x/replay", "dashboard/api/webhooks/we_x/disable",
        "dashboard/api/webhooks/we_x/enable", "dashboard/logout",
    ];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task APageWithoutASessionGoesToTheSignInForm(string path)
    {
        using var browser = new DashboardClient(Server);

        var response = await browser.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.Status);
        Assert.Equal("/dashboard/login", response.Headers.Location?.OriginalString);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task AReadWithoutASessionIs401(string path)
    {
        using var browser = new DashboardClient(Server);

        var response = await browser.GetAsync(path);

        Assert.Equal("dashboard_signin_required", (string?)response.AssertError(401)["code"]);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task AnActionWithoutASessionIs401(string path)
    {
        using var browser = new DashboardClient(Server);

        (await browser.PostAsync(path)).AssertError(401);
    }

    [Fact]
    public async Task AnApiKeyOrAWrongKeyDoesNotSignIn()
    {
        foreach (var key in new[] { AdminKeyServer.ApiKey, "", "admin-key-012345678", AdminKeyServer.AdminKey + "x" })
        {
            using var browser = new DashboardClient(Server);

            var refused = await browser.SignInAsync(key);

            Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
            Assert.Contains("That is not an admin key", refused.Text);
            Assert.Empty(browser.Cookies.GetAllCookies());
            (await browser.GetAsync("dashboard/api/overview")).AssertError(401);
        }
        Assert.DoesNotContain(Server.LogLines, l => l.Contains(AdminKeyServer.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAdminKeyOpensAnHttpOnlyStrictSession()
    {
        using var browser = new DashboardClient(Server);

        var signedIn = await browser.SignInAsync(AdminKeyServer.AdminKey);

        Assert.Equal(HttpStatusCode.SeeOther, signedIn.Status);
        Assert.Equal("/dashboard", signedIn.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("threadline_dashboard=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        var session = await browser.SessionAsync();
        Assert.Equal("key", (string?)session["mode"]);
        Assert.False(string.IsNullOrEmpty(browser.CsrfToken));
        var page = await browser.GetAsync("dashboard/runs");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        Assert.DoesNotContain(Server.LogLines, l => l.Contains(AdminKeyServer.AdminKey, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task AnActionWithoutTheAntiForgeryTokenIs400(string path)
    {
        using var browser = new DashboardClient(Server);
        await browser.SignInAsync(AdminKeyServer.AdminKey);
        await browser.SessionAsync();

        Assert.Equal("invalid_csrf_token", (string?)(await browser.PostAsync(path, withToken: false)).AssertError(400)["code"]);

        // Another session's token does not do either.
        using var other = new DashboardClient(Server);
        await other.SignInAsync(AdminKeyServer.AdminKey);
        await other.SessionAsync();
        var forged = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("") };
        forged.Headers.Add("X-Threadline-Csrf", other.CsrfToken);
        Assert.Equal("invalid_csrf_token", (string?)(await browser.Http.SendRawAsync(forged)).AssertError(400)["code"]);
    }

    [Fact]
    public async Task WithTheTokenAnActionRunsAndAnswersInTheEnvelope()
    {
        using var browser = new DashboardClient(Server);
        await browser.SignInAsync(AdminKeyServer.AdminKey);
        await browser.SessionAsync();

        (await browser.PostAsync("dashboard/api/runs/run_missing/cancel")).AssertError(404, "No run found with id 'run_missing'.");
    }

    [Fact]
    public async Task SigningOutEndsTheSession()
    {
        using var browser = new DashboardClient(Server);
        await browser.SignInAsync(AdminKeyServer.AdminKey);
        await browser.SessionAsync();

        var signedOut = await browser.PostAsync("dashboard/logout");

        Assert.Equal(HttpStatusCode.SeeOther, signedOut.Status);
        (await browser.GetAsync("dashboard/api/overview")).AssertError(401);
    }

    [Theory]
    [InlineData("dashboard/api/runs?limit=0", "limit")]
    [InlineData("dashboard/api/runs?limit=101", "limit")]
    [InlineData("dashboard/api/runs?before=abc", "before")]
    [InlineData("dashboard/api/runs?status=sleeping", "status")]
    [InlineData("dashboard/api/runs?since_ms=-5", "since_ms")]
    [InlineData("dashboard/api/deliveries?status=lost", "status")]
    public async Task BadParametersAre400(string path, string param)
    {
        using var browser = new DashboardClient(Server);
        await browser.SignInAsync(AdminKeyServer.AdminKey);

        (await browser.GetAsync(path)).AssertError(400, param: param);
    }
}
