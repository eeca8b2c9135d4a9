using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary><c>limit</c> must be an integer in 1..100 and <c>order</c> asc or desc, on every list route.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class ListQueryTests(SharedServerFixture server)
{
    public static readonly string[] ListRoutes =
    [
        "assistants",
        "threads",
        "threads/{T}/messages",
        "threads/{T}/runs",
        "threads/{T}/runs/{R}/steps",
    ];

    public static TheoryData<string, string, string> BadQueries()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var route in ListRoutes)
        {
            data.Add(route, "limit=0", "limit");
            data.Add(route, "limit=101", "limit");
            data.Add(route, "limit=abc", "limit");
            data.Add(route, "limit=-1", "limit");
            data.Add(route, "limit=2.5", "limit");
            data.Add(route, "limit=99999999999", "limit");
            data.Add(route, "order=sideways", "order");
            data.Add(route, "order=ASC", "order");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task AnOutOfRangeOrMistypedQueryIsA400NamingIt(string route, string query, string param)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.GetRawAsync($"{ids.Fill(route)}?{query}");

        response.AssertError(400, param: param);
    }

    public static TheoryData<string, string> GoodQueries()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in ListRoutes)
        {
            data.Add(route, "limit=1");
            data.Add(route, "limit=100");
            data.Add(route, "order=asc");
            data.Add(route, "order=desc&limit=20");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GoodQueries))]
    public async Task BoundaryValuesAreAccepted(string route, string query)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var list = (await http.GetRawAsync($"{ids.Fill(route)}?{query}")).AssertOk();

        Assert.Equal("list", (string?)list["object"]);
        Assert.NotEmpty(list["data"]!.AsArray());
        if (query == "limit=1")
            Assert.Single(list["data"]!.AsArray());
    }
}
