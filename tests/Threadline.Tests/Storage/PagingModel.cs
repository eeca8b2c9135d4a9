using Threadline.Storage;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// Cursor paging as the store must do it, over a list held in memory: the objects between the cursors, in the
/// requested order, the first <c>limit</c> of them (the last ones, nearest the cursor, when only <c>before</c> is
/// given), and <c>has_more</c> when the window holds more than the page.
/// </summary>
internal static class PagingModel
{
    public static (IReadOnlyList<string> Ids, bool HasMore) Page(IReadOnlyList<string> ascending, PageRequest page)
    {
        var ordered = page.Descending ? ascending.Reverse().ToList() : [.. ascending];
        var from = page.After is null ? 0 : ordered.IndexOf(page.After) + 1;
        var to = page.Before is null ? ordered.Count : ordered.IndexOf(page.Before);
        var window = from < to ? ordered[from..to] : [];
        var backwards = page.Before is not null && page.After is null;
        return ([.. backwards ? window.TakeLast(page.Limit) : window.Take(page.Limit)], window.Count > page.Limit);
    }

    /// <summary>
    /// Asks <paramref name="list"/> for every page there is (each order, limits around the length, every pair of
    /// cursors) and compares each with the model over <paramref name="ascending"/>, the ids in their listed order.
    /// </summary>
    public static async Task AssertEveryPageAsync<T>(IReadOnlyList<string> ascending, Func<PageRequest, Task<Page<T>>> list, Func<T, string> id)
    {
        var cursors = ascending.Select(c => (string?)c).Prepend(null).ToList();
        var limits = new[] { 1, 2, ascending.Count - 1, ascending.Count, ascending.Count + 1 }.Where(l => l > 0).Distinct();
        foreach (var descending in new[] { false, true })
            foreach (var limit in limits)
                foreach (var after in cursors)
                    foreach (var before in cursors)
                    {
                        var request = new PageRequest(limit, descending, after, before);
                        var (ids, hasMore) = Page(ascending, request);
                        var page = await list(request);
                        var got = page.Items.Select(id).ToList();
                        Assert.True(ids.SequenceEqual(got) && hasMore == page.HasMore,
                            $"{request}: expected [{string.Join(", ", ids)}] has_more={hasMore}, got [{string.Join(", ", got)}] has_more={page.HasMore}");
                    }
    }
}
