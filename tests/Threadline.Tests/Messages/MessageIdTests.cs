using System.Text.RegularExpressions;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Messages;

/// <summary>
/// Ids keep the hosted shape (a prefix and 24 letters and digits) and sort, byte for byte, in the order
/// they were made a millisecond or more apart: that is what keeps every unique index on an id growing
/// at its right edge (issue 15, finding 8; the page-cache effect is in <c>SqliteWriterCacheTests</c>).
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed partial class MessageIdTests(SharedServerFixture server)
{
    [Fact]
    public async Task Ids_made_one_after_another_sort_in_the_order_they_were_made()
    {
        using var http = server.CreateHttpClient();
        var thread = await http.PostOkAsync("threads", "{}");
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var message = await http.PostOkAsync($"threads/{thread["id"]}/messages", """{"role":"user","content":"hi"}""");
            ids.Add((string)message["id"]!);
            // The next id is made at least a millisecond later, so that its time part differs.
            var until = Environment.TickCount64 + 2;
            SpinWait.SpinUntil(() => Environment.TickCount64 >= until);
        }

        Assert.All(ids, id => Assert.Matches(HostedShape(), id));
        Assert.True(Regex.IsMatch((string)thread["id"]!, "^thread_[A-Za-z0-9]{24}$"), (string)thread["id"]!);
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [GeneratedRegex("^msg_[A-Za-z0-9]{24}$")]
    private static partial Regex HostedShape();
}
