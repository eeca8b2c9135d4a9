using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// I1 and I2 at the claim: however many claims of a thread's head race, as writes of one process or of
/// two processes on the same database, exactly one gets the run, and it is the head; the run behind it
/// waits. The queue is switched off, so that runs stay queued until the test's own claims race for them.
/// </summary>
public sealed class ClaimRaceTests
{
    private const int Claims = 32;
    private static readonly Dictionary<string, string?> QueueOff = new() { ["Threadline:Queue:Enabled"] = "false" };

    [Fact]
    public async Task Many_concurrent_claims_of_a_threads_head_in_one_process_give_it_to_exactly_one()
    {
        await using var core = await CoreHarness.StartAsync(QueueOff);
        var (head, behind) = await TwoQueuedRunsAsync(core);

        var claims = await Task.WhenAll(Enumerable.Range(0, Claims).Select(i => Task.Run(() => ClaimAsync(core, head.ThreadId, $"claimer-{i}", i))));

        await AssertOneClaimedTheHeadAsync(core, claims, head, behind);
    }

    [Fact]
    public async Task Claims_racing_from_two_processes_on_one_database_give_the_head_to_exactly_one()
    {
        await using var one = await CoreHarness.StartAsync(QueueOff);
        await using var two = await CoreHarness.StartAsync(QueueOff, directory: one.Directory);
        var (head, behind) = await TwoQueuedRunsAsync(one);

        var claims = await Task.WhenAll(Enumerable.Range(0, Claims).Select(i =>
        {
            var process = i % 2 == 0 ? one : two;
            return Task.Run(() => ClaimAsync(process, head.ThreadId, process.Get<ProcessIdentity>().Owner, i / 2));
        }));

        await AssertOneClaimedTheHeadAsync(one, claims, head, behind);
        Assert.Contains(claims.Single(c => c is not null)!.LeaseOwner, new[] { one.Get<ProcessIdentity>().Owner, two.Get<ProcessIdentity>().Owner });
    }

    /// <summary>Claims the way the scheduler does (the next heads of all threads) or the way a request does (this thread's head), in turn.</summary>
    private static Task<Run?> ClaimAsync(CoreHarness process, string threadId, string owner, int i)
    {
        var lifecycle = process.Get<RunLifecycle>();
        var claim = new ClaimFor(owner, 30_000);
        return i % 2 == 0
            ? process.Store.WriteAsync(s => lifecycle.ClaimHeadAsync(s, threadId, claim), CancellationToken.None)
            : process.Store.WriteAsync(async s => (await lifecycle.ClaimNextAsync(s, claim, Claims)).SingleOrDefault(), CancellationToken.None);
    }

    private static async Task<(Run Head, Run Behind)> TwoQueuedRunsAsync(CoreHarness core)
    {
        var head = await core.CreateRunAsync("first");
        var behind = await core.CreateRunOnThreadAsync(head.ThreadId, head.AssistantId);
        Assert.Equal(RunStatus.Queued, (await core.ReadRunAsync(head.Id)).Status);
        return (head, behind);
    }

    private static async Task AssertOneClaimedTheHeadAsync(CoreHarness core, Run?[] claims, Run head, Run behind)
    {
        var won = Assert.Single(claims, c => c is not null)!;
        Assert.Equal((head.Id, 1, RunStatus.InProgress), (won.Id, won.Attempt, won.Status));
        var stored = await core.ReadRunAsync(head.Id);
        Assert.Equal((RunStatus.InProgress, 1, won.LeaseOwner), (stored.Status, stored.Attempt, stored.LeaseOwner));
        Assert.Equal(RunStatus.Queued, (await core.ReadRunAsync(behind.Id)).Status);
    }
}
