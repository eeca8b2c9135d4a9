using Threadline.Messages;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// Paging: limit, order, <c>after</c> and <c>before</c> cursors, for every list. All objects of a test are made in
/// one millisecond with ids that sort against the order they are listed in, so that only the store's own sequence
/// can order them; an object out of the list's scope is made between them.
/// </summary>
public abstract partial class StoreConformance
{
    private const int PageObjects = 6;

    [Fact]
    public async Task Messages_page_in_thread_order_whatever_their_ids_and_times()
    {
        var thread = await CreateThreadAsync();
        var elsewhere = await CreateThreadAsync();
        // Thread positions as replies and late messages get them: a reply placed between earlier messages, two sharing a position.
        long[] slots = [1, 3, 2, 3, 4, 2];
        var ids = StoreObjects.DescendingIds("msg", PageObjects);
        for (var i = 0; i < PageObjects; i++)
        {
            var position = MessagePositions.OfSlot(slots[i]) + (i == 5 ? 1 : 0);
            await WriteAsync(s => s.Messages.MessageInsertAsync(StoreObjects.Message(thread.Id, s.NowMs, $"m{i}", id: ids[i]) with { Position = position }));
            if (i == 2)
                await AppendAsync(elsewhere.Id, "out of scope");
        }
        // By position, then in the order they were stored.
        string[] threadOrder = [ids[0], ids[2], ids[5], ids[1], ids[3], ids[4]];

        await PagingModel.AssertEveryPageAsync(threadOrder,
            page => ReadAsync(s => s.Messages.MessageListAsync(Project, thread.Id, null, page, messagesOnly: false)), m => m.Id);
    }

    [Fact]
    public async Task Runs_page_in_the_order_they_were_made_whatever_their_ids_times_and_queue_places()
    {
        var thread = await CreateThreadAsync();
        var elsewhere = await CreateThreadAsync();
        var ids = StoreObjects.DescendingIds("run", PageObjects);
        for (var i = 0; i < PageObjects; i++)
        {
            // One of them put first in the queue: lists keep the order they were made in.
            var first = i == 4;
            await WriteAsync(s => s.Runs.RunInsertAsync(StoreObjects.Run(thread.Id, s.NowMs, ids[i]), first));
            if (i == 2)
                await CreateRunAsync(elsewhere.Id);
        }

        await PagingModel.AssertEveryPageAsync(ids, page => ReadAsync(s => s.Runs.RunListAsync(Project, thread.Id, page)), r => r.Id);
    }

    [Fact]
    public async Task Threads_page_in_the_order_they_were_made_and_by_their_filters()
    {
        var ids = StoreObjects.DescendingIds("thread", PageObjects);
        for (var i = 0; i < PageObjects; i++)
        {
            var metadata = i % 2 == 0 ? """{"channel":"sms"}""" : """{"channel":"web"}""";
            await WriteAsync(s => s.Threads.ThreadInsertAsync(StoreObjects.Thread(s.NowMs, ids[i], metadata: metadata)));
            if (i == 2)
                await WriteAsync(s => s.Threads.ThreadInsertAsync(StoreObjects.Thread(s.NowMs, project: "proj_other")));
        }
        var none = new Dictionary<string, string>();

        await PagingModel.AssertEveryPageAsync(ids,
            page => ReadAsync(s => s.Threads.ThreadListAsync(new ThreadFilter(Project, null, none), page)), t => t.Id);
        var sms = new Dictionary<string, string> { ["channel"] = "sms" };
        await PagingModel.AssertEveryPageAsync([.. ids.Where((_, i) => i % 2 == 0)],
            page => ReadAsync(s => s.Threads.ThreadListAsync(new ThreadFilter(Project, null, sms), page)), t => t.Id);
    }

    [Fact]
    public async Task Assistants_page_in_the_order_they_were_made_whatever_their_ids_and_times()
    {
        var ids = StoreObjects.DescendingIds("asst", PageObjects);
        for (var i = 0; i < PageObjects; i++)
        {
            await WriteAsync(s => s.Assistants.AssistantInsertAsync(StoreObjects.AssistantIn(Project, s.NowMs, ids[i])));
            if (i == 2)
                await WriteAsync(s => s.Assistants.AssistantInsertAsync(StoreObjects.AssistantIn("proj_other", s.NowMs)));
        }

        await PagingModel.AssertEveryPageAsync(ids, page => ReadAsync(s => s.Assistants.AssistantListAsync(Project, page)), a => a.Id);
    }
}
