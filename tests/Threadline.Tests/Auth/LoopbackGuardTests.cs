using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Auth;

/// <summary>With no API key the server acts for one default project and must not be reachable from other machines.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class LoopbackGuardTests(SharedServerFixture server)
{
    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://0.0.0.0:0")]
    public Task WithoutKeysANonLoopbackUrlIsRefusedAtStart(string urls) =>
        AssertRefusedAtStartAsync(new ThreadlineServerOptions { Arguments = new Dictionary<string, string> { ["urls"] = urls } });

    /// <summary>Kestrel binds its own endpoints over <c>urls</c>: each source of them is checked too.</summary>
    [Theory]
    [InlineData("argument", "http://0.0.0.0:0")]
    [InlineData("environment", "http://0.0.0.0:0")]
    [InlineData("argument", "http://[::]:0")]
    [InlineData("environment", "http://+:0")]
    public Task WithoutKeysAKestrelEndpointOnEveryInterfaceIsRefusedAtStart(string source, string url) =>
        AssertRefusedAtStartAsync(new ThreadlineServerOptions
        {
            Arguments = source == "argument" ? new Dictionary<string, string> { ["Kestrel:Endpoints:Http:Url"] = url } : new Dictionary<string, string>(),
            EnvironmentVariables = source == "environment" ? new Dictionary<string, string?> { ["Kestrel__Endpoints__Http__Url"] = url } : new Dictionary<string, string?>(),
        });

    [Fact]
    public async Task WithoutKeysAKestrelEndpointOnLoopbackStarts()
    {
        await using var started = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string> { ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0" },
        });
        using var http = started.CreateHttpClient();

        (await http.GetRawAsync("assistants")).AssertOk();
    }

    [Fact]
    public async Task TheServerWithoutKeysSaysAuthIsOff()
    {
        var line = await server.Server.WaitForLogLineAsync(l => l.Contains("Auth is off", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        Assert.Contains("loopback only", line);
    }

    [Fact]
    public async Task WithoutKeysAnyOrNoBearerKeyActsForTheDefaultProject()
    {
        using var anonymous = server.CreateHttpClient();
        using var withKey = server.CreateHttpClient("whatever-key");

        var thread = (string)(await anonymous.PostOkAsync("threads", "{}"))["id"]!;

        (await withKey.GetRawAsync($"threads/{thread}")).AssertOk();
    }

    /// <summary>The server exits before it listens, and says why.</summary>
    private static async Task AssertRefusedAtStartAsync(ThreadlineServerOptions options)
    {
        var start = ThreadlineServer.StartAsync(options with { StartupTimeout = TimeSpan.FromSeconds(20) });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var started = await start;
        });

        Assert.Contains("exited with code", error.Message);
        Assert.Contains("Refusing to listen on", error.Message);
        Assert.Contains("auth off", error.Message);
    }
}
