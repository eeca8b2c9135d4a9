using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Threads;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>External ids: find or create is one transaction, so concurrent callers with one external id share one thread.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task Concurrent_find_or_create_calls_with_one_external_id_share_one_thread()
    {
        const int callers = 16;
        var other = await Database.OpenAsync();

        // Each caller brings a thread of its own (its own id) and a message, half of them through a second process.
        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(i => WriteAsync(s => ThreadCreation.CreateAsync(s,
            new ThreadCreate(StoreObjects.Thread(s.NowMs, externalId: "whatsapp:+15550100"), [StoreObjects.Message("", s.NowMs, $"message {i}")])),
            i % 2 == 0 ? Store : other)));

        var made = Assert.Single(results, r => r.Created).Thread;
        Assert.All(results, r => Assert.Equal(made.Id, r.Thread.Id));
        Assert.Equal(made.Id, (await ReadAsync(s => s.Threads.ThreadFindByExternalIdAsync(Project, "whatsapp:+15550100")))?.Id);
        var listed = await ReadAsync(s => s.Threads.ThreadListAsync(new ThreadFilter(Project, "whatsapp:+15550100", new Dictionary<string, string>()), PageRequest.All));
        Assert.Equal([made.Id], listed.Items.Select(t => t.Id));
        var messages = await MessagesAsync(made.Id);
        Assert.Equal(Enumerable.Range(0, callers).Select(i => $"message {i}").Order(), messages.Select(m => m.Text).Order());
        Assert.Equal(callers, messages.Select(m => m.Position).Distinct().Count());
    }

    [Fact]
    public async Task An_external_id_names_one_thread_per_project()
    {
        var mine = await CreateThreadAsync("user-7");

        var theirs = await WriteAsync(s => ThreadCreation.CreateAsync(s,
            new ThreadCreate(StoreObjects.Thread(s.NowMs, project: "proj_other", externalId: "user-7"), [])));

        Assert.True(theirs.Created);
        Assert.NotEqual(mine.Id, theirs.Thread.Id);
        Assert.Equal(mine.Id, (await ReadAsync(s => s.Threads.ThreadFindByExternalIdAsync(Project, "user-7")))?.Id);
        Assert.Equal(theirs.Thread.Id, (await ReadAsync(s => s.Threads.ThreadFindByExternalIdAsync("proj_other", "user-7")))?.Id);
    }
}
