using System.Text.RegularExpressions;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>
/// Every response carries <c>x-request-id</c> (the SDKs expose it as <c>request_id</c>, and users log it), a
/// new one per request, whatever answered: a route, an error, the fallback, a probe. The server's log lines for
/// the request carry it in their scope, so a user's report can be found in the log.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed partial class RequestIdTests(SharedServerFixture server)
{
    [Fact]
    public async Task EveryResponseHasItsOwnRequestId()
    {
        using var http = server.CreateHttpClient();
        using var root = new HttpClient { BaseAddress = server.Server.BaseUrl };

        var responses = new[]
        {
            await http.GetRawAsync("assistants"),
            await http.PostRawAsync("threads", "{}"),
            await http.PostRawAsync("threads", "{broken"),
            await http.GetRawAsync("threads/thread_missing"),
            await http.GetRawAsync("no/such/route"),
            await root.GetRawAsync("healthz"),
        };

        var ids = responses.Select(r => r.Header("x-request-id")).ToList();
        for (var i = 0; i < responses.Length; i++)
            Assert.True(ids[i] is { } id && RequestId().IsMatch(id), $"{responses[i].Request} ({responses[i].StatusCode}) sent x-request-id '{ids[i]}'");
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task TheRequestIdIsInTheLogScopeOfTheRequest()
    {
        await using var logged = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string>
            {
                ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
                ["Logging:LogLevel:Microsoft.AspNetCore.Routing.EndpointMiddleware"] = "Information",
            },
        });
        using var http = logged.CreateHttpClient();

        var id = (await http.GetRawAsync("assistants")).Header("x-request-id");

        Assert.NotNull(id);
        await logged.WaitForLogLineAsync(line => line.Contains(id, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [GeneratedRegex("^req_[0-9a-f]{32}$")]
    private static partial Regex RequestId();
}
