using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Threads;

/// <summary><c>GET /v1/threads</c> (not in the hosted API): cursor paging, and the <c>external_id</c> and <c>metadata[key]=value</c> filters.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class ThreadListTests(SharedServerFixture server)
{
    [Fact]
    public async Task AMetadataFilterPagesThroughExactlyTheMatchingThreadsInBothOrders()
    {
        using var http = server.CreateHttpClient();
        var suite = Guid.NewGuid().ToString("N");
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await CreateAsync(http, $$$"""{"metadata":{"suite":"{{{suite}}}","i":"{{{i}}}"}}"""));
            await CreateAsync(http, $$$"""{"metadata":{"suite":"other-{{{suite}}}"}}"""); // interleaved non-matches
        }

        var ascending = await ListWalker.ForwardAsync(http, "threads", $"metadata[suite]={suite}&order=asc&limit=5");
        var descending = await ListWalker.ForwardAsync(http, "threads", $"metadata[suite]={suite}&order=desc&limit=5");
        var backwards = await ListWalker.BackwardAsync(http, "threads", $"metadata[suite]={suite}&order=asc&limit=5", start: ids[^1]);

        Assert.Equal([5, 5, 2], ascending.Select(p => p.Count));
        Assert.Equal(ids, ascending.SelectMany(p => p));
        Assert.Equal(Enumerable.Reverse(ids), descending.SelectMany(p => p));
        Assert.Equal(ids[..^1], Enumerable.Reverse(backwards).SelectMany(p => p));
    }

    [Fact]
    public async Task SeveralMetadataFiltersMustAllMatch()
    {
        using var http = server.CreateHttpClient();
        var suite = Guid.NewGuid().ToString("N");
        var redSmall = await CreateAsync(http, $$$"""{"metadata":{"suite":"{{{suite}}}","color":"red","size":"s"}}""");
        var redLarge = await CreateAsync(http, $$$"""{"metadata":{"suite":"{{{suite}}}","color":"red","size":"l"}}""");
        await CreateAsync(http, $$$"""{"metadata":{"suite":"{{{suite}}}","color":"blue","size":"s"}}""");

        var red = await http.GetOkAsync($"threads?metadata[suite]={suite}&metadata[color]=red&order=asc");
        var redAndSmall = await http.GetOkAsync($"threads?metadata[suite]={suite}&metadata[color]=red&metadata[size]=s");
        var none = await http.GetOkAsync($"threads?metadata[suite]={suite}&metadata[color]=green");
        var encoded = await http.GetOkAsync($"threads?metadata%5Bsuite%5D={suite}&metadata%5Bcolor%5D=red&order=asc");

        Assert.Equal([redSmall, redLarge], red.Ids());
        Assert.Equal([redSmall], redAndSmall.Ids());
        Assert.Empty(none.Ids());
        Assert.Equal([redSmall, redLarge], encoded.Ids());
    }

    [Fact]
    public async Task AnExternalIdFilterFindsTheOneThread()
    {
        using var http = server.CreateHttpClient();
        var externalId = "user-" + Guid.NewGuid().ToString("N");
        var thread = await CreateAsync(http, $$$"""{"external_id":"{{{externalId}}}","metadata":{"tag":"x"}}""");
        await CreateAsync(http, $$"""{"external_id":"{{externalId}}-other"}""");

        var found = await http.GetOkAsync($"threads?external_id={externalId}");
        var withMatchingMetadata = await http.GetOkAsync($"threads?external_id={externalId}&metadata[tag]=x");
        var withOtherMetadata = await http.GetOkAsync($"threads?external_id={externalId}&metadata[tag]=y");

        Assert.Equal([thread], found.Ids());
        Assert.Equal(externalId, (string?)found["data"]![0]!["external_id"]);
        Assert.False((bool)found["has_more"]!);
        Assert.Equal([thread], withMatchingMetadata.Ids());
        Assert.Empty(withOtherMetadata.Ids());
    }

    [Fact]
    public async Task TheUnfilteredListIsNewestFirstAndHoldsADeletedThreadNoMore()
    {
        using var http = server.CreateHttpClient();
        await CreateAsync(http, "{}");
        var older = await CreateAsync(http, "{}");
        var newer = await CreateAsync(http, "{}");

        var firstTwo = await http.GetOkAsync("threads?limit=2");
        await http.DeleteRawAsync($"threads/{newer}");
        var afterDelete = await http.GetOkAsync("threads?limit=1");

        Assert.Equal([newer, older], firstTwo.Ids());
        Assert.True((bool)firstTwo["has_more"]!);
        Assert.Equal([older], afterDelete.Ids());
    }

    private static async Task<string> CreateAsync(HttpClient http, string body) =>
        (string)(await http.PostOkAsync("threads", body))["id"]!;
}
