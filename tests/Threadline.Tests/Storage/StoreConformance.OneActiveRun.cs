using System.Data.Common;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>I1: at most one active run per thread, enforced by the database whatever the number of processes.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task Two_claims_of_a_threads_head_in_separate_transactions_start_one_run()
    {
        var thread = await CreateThreadAsync();
        var head = (await CreateRunAsync(thread.Id)).Run!;
        await CreateRunAsync(thread.Id);

        var first = await ClaimHeadAsync(thread.Id);
        var second = await ClaimHeadAsync(thread.Id);

        Assert.Equal(head.Id, first?.Id);
        Assert.Null(second);
        await AssertOnlyActiveRunAsync(thread.Id, head.Id, queued: 1);
    }

    [Fact]
    public async Task Many_writes_racing_from_two_stores_to_claim_a_thread_start_exactly_one_run()
    {
        var other = await Database.OpenAsync();
        var thread = await CreateThreadAsync();
        for (var i = 0; i < 3; i++)
            await CreateRunAsync(thread.Id);

        // Each claim for another execution, half of them from a second process: all in flight at once.
        var claims = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            WriteAsync(s => Lifecycle.ClaimHeadAsync(s, thread.Id, new ClaimFor($"process-{i}", LeaseMs)), i % 2 == 0 ? Store : other)));

        // The losers are told so (null), not failed by the unique index: a scheduler's pass goes on.
        var winner = Assert.Single(claims, c => c is not null)!;
        Assert.Equal(1, winner.Attempt);
        await AssertOnlyActiveRunAsync(thread.Id, winner.Id, queued: 2);
    }

    [Fact]
    public async Task The_database_refuses_a_second_active_run_on_a_thread()
    {
        var thread = await CreateThreadAsync();
        var active = await StartRunAsync(thread.Id);
        var waiting = (await CreateRunAsync(thread.Id)).Run!;

        // Past every rule: the driver is told, unfenced, to make the waiting run active. The constraint says no.
        foreach (var status in new[] { RunStatus.InProgress, RunStatus.RequiresAction, RunStatus.Cancelling })
            await Assert.ThrowsAnyAsync<DbException>(() => WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(waiting.Id, status, s.NowMs))));

        Assert.Equal(RunStatus.Queued, (await RunAsync(waiting.Id)).Status);
        await AssertOnlyActiveRunAsync(thread.Id, active.Id, queued: 1);

        // The constraint is per thread: another thread's run may be active beside it.
        var elsewhere = await CreateThreadAsync();
        var other = (await CreateRunAsync(elsewhere.Id)).Run!;
        Assert.NotNull(await WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(other.Id, RunStatus.InProgress, s.NowMs))));
    }

    [Fact]
    public async Task Concurrent_run_creations_on_a_thread_each_take_a_place_of_their_own_in_its_queue()
    {
        const int count = 24;
        var other = await Database.OpenAsync();
        var thread = await CreateThreadAsync();

        var made = await Task.WhenAll(Enumerable.Range(0, count).Select(i => WriteAsync(s => Lifecycle.CreateAsync(s,
            new RunCreate(StoreObjects.Run(thread.Id, s.NowMs), null, [], OnActive.Queue)), i % 2 == 0 ? Store : other)));

        var runs = await Task.WhenAll(made.Select(m => RunAsync(m.Run!.Id)));
        Assert.Equal(Enumerable.Range(0, count), runs.Select(r => r.QueuePosition ?? -1).Order());
        Assert.Equal(count, (await ThreadAsync(thread.Id)).QueuedRunCount);
        Assert.Equal(runs.OrderBy(r => r.QueuePosition).Select(r => r.Id), await RunQueueDryAsync(thread.Id));
    }

    /// <summary>The thread's one active run, as its runs and its queue state both say.</summary>
    private async Task AssertOnlyActiveRunAsync(string threadId, string runId, int queued)
    {
        var runs = (await ReadAsync(s => s.Runs.RunListAsync(Project, threadId, PageRequest.All))).Items;
        Assert.Equal([runId], runs.Where(r => RunStatus.IsActive(r.Status)).Select(r => r.Id));
        Assert.Equal(queued, runs.Count(r => r.Status == RunStatus.Queued));
        var state = await ThreadAsync(threadId);
        Assert.Equal((runId, queued), (state.ActiveRunId, state.QueuedRunCount));
    }
}
