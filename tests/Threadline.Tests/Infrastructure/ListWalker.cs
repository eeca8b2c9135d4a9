using System.Text.Json.Nodes;
using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>Walks a list route page by page over raw HTTP, checking each page's envelope on the way.</summary>
internal static class ListWalker
{
    /// <summary>
    /// Follows <c>after=last_id</c> from the first page while <c>has_more</c>; returns every page's ids.
    /// <paramref name="query"/> is appended to each request (e.g. <c>order=asc&amp;limit=10</c>).
    /// </summary>
    public static async Task<List<List<string>>> ForwardAsync(HttpClient http, string path, string query, int maxPages = 50)
    {
        var pages = new List<List<string>>();
        string? after = null;
        while (true)
        {
            var page = await PageAsync(http, path, after is null ? query : $"{query}&after={after}");
            pages.Add(page.Ids);
            if (!page.HasMore)
                return pages;
            Assert.True(pages.Count < maxPages, $"{path}?{query}: more than {maxPages} pages");
            after = page.Ids[^1];
        }
    }

    /// <summary>
    /// Follows <c>before=first_id</c> starting from <c>before=<paramref name="start"/></c> while <c>has_more</c>;
    /// returns the pages in the order read (each page itself in list order).
    /// </summary>
    public static async Task<List<List<string>>> BackwardAsync(HttpClient http, string path, string query, string start, int maxPages = 50)
    {
        var pages = new List<List<string>>();
        var before = start;
        while (true)
        {
            var page = await PageAsync(http, path, $"{query}&before={before}");
            pages.Add(page.Ids);
            if (!page.HasMore)
                return pages;
            Assert.True(pages.Count < maxPages, $"{path}?{query}: more than {maxPages} pages");
            before = page.Ids[0];
        }
    }

    /// <summary>One page; asserts the envelope (object, first_id, last_id) and returns its ids and has_more.</summary>
    public static async Task<(List<string> Ids, bool HasMore, JsonObject Body)> PageAsync(HttpClient http, string path, string query)
    {
        var body = await http.GetOkAsync($"{path}?{query}");
        Assert.Equal("list", (string?)body["object"]);
        var ids = body.Ids();
        Assert.Equal(ids.Count == 0 ? null : ids[0], (string?)body["first_id"]);
        Assert.Equal(ids.Count == 0 ? null : ids[^1], (string?)body["last_id"]);
        var hasMore = body["has_more"]?.GetValue<bool>() ?? throw new Xunit.Sdk.XunitException($"{path}?{query}: has_more missing");
        return (ids, hasMore, body);
    }
}
