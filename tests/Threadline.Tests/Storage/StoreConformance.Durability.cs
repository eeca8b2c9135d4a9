using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>I3 at store level: a write's task completes only once it has committed; a write that fails leaves nothing.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task A_write_is_committed_by_the_time_its_task_completes()
    {
        // Another process, open before the write, reads only what was committed.
        var other = await Database.OpenAsync();
        var thread = await CreateThreadAsync();
        var message = await AppendAsync(thread.Id, "acknowledged");

        Assert.NotNull(await ReadAsync(s => s.Messages.MessageGetAsync(Project, thread.Id, message.Id), other));

        // The writing process stops; a fresh one on the same database still finds it.
        await Database.CloseAsync(Store);
        Store = await Database.OpenAsync();
        Assert.Equal("acknowledged", (await ReadAsync(s => s.Messages.MessageGetAsync(Project, thread.Id, message.Id)))?.Text);
    }

    [Fact]
    public async Task A_write_whose_work_throws_leaves_nothing_behind()
    {
        var thread = StoreObjects.Thread(NowMs);

        await Assert.ThrowsAsync<WorkFailed>(() => WriteAsync(async s =>
        {
            await s.Threads.ThreadInsertAsync(thread);
            throw new WorkFailed();
        }));

        Assert.Null(await ReadAsync(s => s.Threads.ThreadGetAsync(Project, thread.Id)));
        // The store goes on: the same insert, without the failure, commits.
        await WriteAsync(s => s.Threads.ThreadInsertAsync(thread));
        Assert.NotNull(await ReadAsync(s => s.Threads.ThreadGetAsync(Project, thread.Id)));
    }

    [Fact]
    public async Task A_failing_write_does_not_undo_the_writes_queued_beside_it()
    {
        // While one write holds the store, others queue up and then go together (one commit on SQLite); one of them fails.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = WriteAsync(_ => new ValueTask(gate.Task));
        var threads = Enumerable.Range(0, 6).Select(_ => StoreObjects.Thread(NowMs)).ToList();
        const int failing = 3;
        var writes = threads.Select((thread, i) => WriteAsync(async s =>
        {
            await s.Threads.ThreadInsertAsync(thread);
            if (i == failing)
                throw new WorkFailed();
        })).ToList();
        gate.SetResult();
        await holding;

        await Assert.ThrowsAsync<WorkFailed>(() => writes[failing]);
        await Task.WhenAll(writes.Where((_, i) => i != failing));
        for (var i = 0; i < threads.Count; i++)
        {
            var found = await ReadAsync(s => s.Threads.ThreadGetAsync(Project, threads[i].Id));
            Assert.True((found is not null) == (i != failing), $"thread {i} of the batch: {(found is null ? "missing" : "stored")}");
        }
    }
}
