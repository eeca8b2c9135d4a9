using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Messages;

/// <summary>
/// Cursor paging over 25 messages made within a second or two (so many share <c>created_at</c>): the
/// order is the creation order, stable, with no duplicate or gap, in both directions and with both cursors.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class MessagePagingTests(SharedServerFixture server)
{
    private const int Count = 25;

    [Fact]
    public async Task PagingAscendingAfterEachLastIdWalksTheCreationOrder()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;

        var pages = await ListWalker.ForwardAsync(http, $"threads/{thread}/messages", "order=asc&limit=10");

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        Assert.Equal(ids, pages.SelectMany(p => p));
    }

    [Fact]
    public async Task PagingDescendingAfterEachLastIdWalksTheReverseOrder()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;

        var pages = await ListWalker.ForwardAsync(http, $"threads/{thread}/messages", "order=desc&limit=10");

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        Assert.Equal(Enumerable.Reverse(ids), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task PagingBackwardsWithBeforeAscending()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;

        var pages = await ListWalker.BackwardAsync(http, $"threads/{thread}/messages", "order=asc&limit=10", start: ids[^1]);

        // before the last: 14..23, then 4..13, then 0..3, each page in ascending order.
        Assert.Equal(ids[14..24], pages[0]);
        Assert.Equal(ids[4..14], pages[1]);
        Assert.Equal(ids[0..4], pages[2]);
        Assert.Equal(3, pages.Count);
    }

    [Fact]
    public async Task PagingBackwardsWithBeforeDescending()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;
        var reversed = Enumerable.Reverse(ids).ToList();

        var pages = await ListWalker.BackwardAsync(http, $"threads/{thread}/messages", "order=desc&limit=10", start: ids[0]);

        // In descending order the message before ids[0] are ids[24..1]; the nearest ten come first.
        Assert.Equal(reversed[14..24], pages[0]);
        Assert.Equal(reversed[4..14], pages[1]);
        Assert.Equal(reversed[0..4], pages[2]);
        Assert.Equal(3, pages.Count);
    }

    [Fact]
    public async Task AfterAndBeforeTogetherBoundAWindow()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;
        var path = $"threads/{thread}/messages";

        var window = await ListWalker.PageAsync(http, path, $"order=asc&after={ids[3]}&before={ids[9]}");
        var firstTwo = await ListWalker.PageAsync(http, path, $"order=asc&limit=2&after={ids[3]}&before={ids[9]}");
        var descending = await ListWalker.PageAsync(http, path, $"order=desc&after={ids[9]}&before={ids[3]}");

        Assert.Equal(ids[4..9], window.Ids);
        Assert.False(window.HasMore);
        Assert.Equal(ids[4..6], firstTwo.Ids);
        Assert.True(firstTwo.HasMore);
        Assert.Equal(Enumerable.Reverse(ids[4..9]), descending.Ids);
        Assert.False(descending.HasMore);
    }

    [Fact]
    public async Task HasMoreIsFalseExactlyAtTheEnd()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;
        var path = $"threads/{thread}/messages";

        var all = await ListWalker.PageAsync(http, path, "order=asc&limit=25");
        var allButOne = await ListWalker.PageAsync(http, path, "order=asc&limit=24");
        var lastOne = await ListWalker.PageAsync(http, path, $"order=asc&limit=10&after={ids[23]}");
        var pastTheEnd = await ListWalker.PageAsync(http, path, $"order=asc&limit=10&after={ids[24]}");

        Assert.False(all.HasMore);
        Assert.Equal(ids, all.Ids);
        Assert.True(allButOne.HasMore);
        Assert.Equal([ids[24]], lastOne.Ids);
        Assert.False(lastOne.HasMore);
        Assert.Empty(pastTheEnd.Ids);
        Assert.False(pastTheEnd.HasMore);
    }

    [Fact]
    public async Task TheOrderIsTheSameOnEveryRead()
    {
        var (http, thread, ids) = await SetUpAsync();
        using var _ = http;

        for (var i = 0; i < 3; i++)
            Assert.Equal(ids, (await ListWalker.PageAsync(http, $"threads/{thread}/messages", "order=asc&limit=100")).Ids);
    }

    /// <summary>A thread with 25 user messages "m00".."m24" made back to back; their ids in creation order.</summary>
    private async Task<(HttpClient Http, string Thread, List<string> Ids)> SetUpAsync()
    {
        var http = server.CreateHttpClient();
        var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;
        var ids = new List<string>();
        var createdAt = new HashSet<long>();
        for (var i = 0; i < Count; i++)
        {
            var message = await http.PostOkAsync($"threads/{thread}/messages", $$"""{"role":"user","content":"m{{i:D2}}"}""");
            ids.Add((string)message["id"]!);
            createdAt.Add((long)message["created_at"]!);
        }

        Assert.True(createdAt.Count < Count, "the messages were expected to share created_at seconds");
        Assert.Equal(Count, ids.Distinct().Count());
        return (http, thread, ids);
    }
}
