using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>Odd query strings on every list route: a 200 list or a 4xx in the envelope, never a 500.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class GarbageQueryTests(SharedServerFixture server)
{
    public static TheoryData<string> Queries => new()
    {
        "after=nonexistent",
        "before=nonexistent",
        "after=" + new string('a', 6_000), // under Kestrel's 8 KiB request line, which it answers itself
        "after=%00",
        "after=&before=",
        "limit=%F0%9F%98%80",
        "limit=1&limit=2",
        "order=asc&order=desc",
        "order=",
        "limit=",
        "metadata[]=x",
        "metadata[a]=1&metadata[a]=2",
        "metadata%5Bk%5D=%22%27",
        "external_id=" + new string('e', 5000),
        "run_id=%27%3B--",
        "include[]=step_details.tool_calls[*].file_search.results[*].content",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task EveryListRouteAnswersAListOrA4xx(string query)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();
        var failures = new List<string>();

        foreach (var route in ListQueryTests.ListRoutes)
        {
            var response = await http.GetRawAsync($"{ids.Fill(route)}?{query}");
            try
            {
                if (response.StatusCode == 200)
                    Assert.Equal("list", (string?)response.Json["object"]);
                else
                    response.AssertClientError();
            }
            catch (Exception e)
            {
                failures.Add($"GET {route}?{query}: {response.StatusCode} {e.Message.Split('\n')[0]} :: {response.Describe()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
