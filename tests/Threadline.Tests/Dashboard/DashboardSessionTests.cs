using System.Net;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Dashboard;

/// <summary>How sessions behave across processes and configurations.</summary>
public sealed class DashboardSessionTests
{
    [Fact]
    public async Task ASessionOpenedOnOneNodeIsHonouredByAnotherSharingTheKeyRing()
    {
        var ring = Path.Combine(Path.GetTempPath(), "threadline-ring-" + Guid.NewGuid().ToString("N"));
        var arguments = new Dictionary<string, string>(AdminKeyServer.Keys()) { ["Threadline:Webhooks:SecretKeyRing"] = ring };
        await using var first = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { Arguments = arguments });
        await using var second = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { Arguments = arguments });
        using var onFirst = new DashboardClient(first);
        await onFirst.SignInAsync(AdminKeyServer.AdminKey);

        var cookie = onFirst.Cookies.GetCookies(new Uri(first.BaseUrl, "dashboard/"))["threadline_dashboard"]!;
        var jar = new CookieContainer();
        jar.Add(second.BaseUrl, new Cookie(cookie.Name, cookie.Value, "/dashboard"));
        using var onSecond = new DashboardClient(second, jar);

        try
        {
            var session = await onSecond.SessionAsync();
            Assert.Equal("key", (string?)session["mode"]);
            Assert.NotEqual((string?)(await onFirst.SessionAsync())["node"], (string?)session["node"]);
        }
        finally
        {
            Directory.Delete(ring, recursive: true);
        }
    }

    [Fact]
    public async Task ASessionEndsWhenItsAdminKeyIsRemovedFromConfiguration()
    {
        var data = ThreadlineServer.CreateDataDirectory();
        Cookie cookie;
        await using (var before = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = data, Arguments = AdminKeyServer.Keys() }))
        {
            using var browser = new DashboardClient(before);
            await browser.SignInAsync(AdminKeyServer.AdminKey);
            await browser.SessionAsync();
            cookie = browser.Cookies.GetCookies(new Uri(before.BaseUrl, "dashboard/"))["threadline_dashboard"]!;
        }
        await using var after = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = data, Arguments = AdminKeyServer.Keys("a-new-admin-key") });
        var jar = new CookieContainer();
        jar.Add(after.BaseUrl, new Cookie(cookie.Name, cookie.Value, "/dashboard"));
        using var stale = new DashboardClient(after, jar);

        (await stale.GetAsync("dashboard/api/overview")).AssertError(401);
        await after.StopAsync();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task WithApiKeysAndNoAdminKeyTheDashboardStaysClosed()
    {
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string> { ["Threadline:ApiKeys:0:Key"] = AdminKeyServer.ApiKey },
        });
        using var browser = new DashboardClient(server);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SignInAsync(AdminKeyServer.ApiKey)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("dashboard")).Status);
        (await browser.GetAsync("dashboard/api/overview")).AssertError(401);
    }

    [Fact]
    public async Task WithNoKeyAtAllItIsOpenOnLoopbackButActionsStillNeedTheToken()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var browser = new DashboardClient(server);

        Assert.Equal("open", (string?)(await browser.SessionAsync())["mode"]);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("dashboard")).Status);
        Assert.Equal("invalid_csrf_token", (string?)(await browser.PostAsync("dashboard/api/runs/run_x/cancel", withToken: false)).AssertError(400)["code"]);
        (await browser.PostAsync("dashboard/api/runs/run_x/cancel")).AssertError(404);
    }
}
