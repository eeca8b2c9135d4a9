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
    public async Task WithoutKeysANonLoopbackUrlIsRefusedAtStart(string urls)
    {
        var start = ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string> { ["urls"] = urls },
            StartupTimeout = TimeSpan.FromSeconds(20),
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var started = await start;
        });

        Assert.Contains("exited with code", error.Message);
        Assert.Contains("Refusing to listen on", error.Message);
        Assert.Contains("auth off", error.Message);
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
}
