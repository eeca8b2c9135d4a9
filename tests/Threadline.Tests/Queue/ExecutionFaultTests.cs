using Microsoft.Extensions.Logging;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// A fault inside an execution is observed, never lost: when the store refuses the write that ends the run
/// (a tap on the real store fails every such write, as a full disk would), the execution's fault is logged
/// with the run's id, its slot is freed, and the run is left to the takeover rule: once its lease lapses
/// the scheduler fails it with <c>server_error</c> (it had begun its reply), and the thread moves on.
/// </summary>
public sealed class ExecutionFaultTests
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_execution_whose_finishing_write_throws_is_logged_frees_its_slot_and_is_taken_over_after_its_lease_lapses()
    {
        CapturedLogs logs = null!;
        await using var core = await CoreHarness.StartAsync(configure: services =>
        {
            TappedStore.Use(services);
            logs = CapturedLogs.Use(services);
        });
        var store = core.Get<TappedStore>();
        var slots = core.Get<ExecutionSlots>();
        var allSlots = slots.Free;
        var fault = new IOException("disk I/O error (injected)");
        store.Fail<RunEnded>(fault);

        var run = await core.CreateRunAsync("hello");

        var logged = await logs.WhenLoggedAsync(e => e.Level == LogLevel.Error && e.Exception == fault && e.Category == typeof(RunScheduler).FullName,
            "by the scheduler about the faulted execution");
        Assert.Contains(run.Id, logged.Message);
        await Eventually.TrueAsync(() => slots.Free == allSlots, "every slot free again");
        Assert.Equal(RunStatus.InProgress, (await core.ReadRunAsync(run.Id)).Status);

        store.Heal();
        core.Advance(LeaseTimeout + TimeSpan.FromSeconds(1));
        await core.Get<RunScheduler>().RunOnceAsync(CancellationToken.None);

        var failed = await core.ReadRunAsync(run.Id);
        Assert.Equal((RunStatus.Failed, "server_error"), (failed.Status, failed.LastError?.Code));
        var next = await core.CreateRunOnThreadAsync(run.ThreadId, run.AssistantId);
        Assert.Equal(RunStatus.Completed, (await core.UntilRunAsync(next.Id, r => r.IsTerminal)).Status);
    }
}
