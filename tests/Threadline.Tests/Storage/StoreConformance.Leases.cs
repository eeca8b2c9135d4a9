using Threadline.Messages;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Storage.Drivers;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// I5 at store level: a lapsed lease is taken over (the run started again, or failed once it had written), and
/// every write of the execution that lost it changes nothing, fenced by the run's attempt.
/// </summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task A_lapsed_lease_of_a_run_that_wrote_nothing_puts_it_back_at_the_head_of_its_queue()
    {
        var thread = await CreateThreadAsync();
        var lost = await StartRunAsync(thread.Id);
        var waiting = (await CreateRunAsync(thread.Id)).Run!;
        await AppendAsync(thread.Id, "arrived while it was lost");

        // The lease holds up to its expiry and lapses the millisecond after.
        AdvanceTo(lost.LeaseExpiresAtMs!.Value);
        Assert.Equal(0, (await RescueAsync()).Total);
        Advance(1);
        Assert.Equal(1, (await RescueAsync()).Requeued);

        var requeued = await RunAsync(lost.Id);
        Assert.Equal((RunStatus.Queued, lost.Attempt, (long?)null), (requeued.Status, requeued.Attempt, requeued.LeaseExpiresAtMs));
        var state = await ThreadAsync(thread.Id);
        Assert.Equal(((string?)null, 2), (state.ActiveRunId, state.QueuedRunCount));
        // Started again from scratch: a new execution, which sees what arrived meanwhile.
        var again = (await ClaimHeadAsync(thread.Id))!;
        Assert.Equal((lost.Id, lost.Attempt + 1), (again.Id, again.Attempt));
        Assert.Contains("arrived while it was lost", (await ContextAsync(again)).Select(m => m.Text));
        await FinishAsync(again);
        Assert.Equal([waiting.Id], await RunQueueDryAsync(thread.Id));
    }

    [Fact]
    public async Task A_lapsed_lease_of_a_run_that_wrote_output_fails_it_with_a_server_error()
    {
        var thread = await CreateThreadAsync();
        var lost = await StartRunAsync(thread.Id);
        var output = await BeginOutputAsync(lost);
        var waiting = (await CreateRunAsync(thread.Id)).Run!;

        AdvanceTo(lost.LeaseExpiresAtMs!.Value + 1);
        Assert.Equal(1, (await RescueAsync()).Failed);

        var failed = await RunAsync(lost.Id);
        Assert.Equal((RunStatus.Failed, "server_error"), (failed.Status, failed.LastError?.Code));
        Assert.NotNull(failed.FailedAt);
        var reply = await ReadAsync(s => s.Messages.MessageGetAsync(Project, thread.Id, output.Message.Id));
        Assert.Equal(MessageStatus.Incomplete, reply?.Status);
        Assert.All(await StepsAsync(lost.Id), step => Assert.Equal(RunStepStatus.Failed, step.Status));
        // The lost execution comes back to finish: too late, the run stays failed.
        Assert.Null(await WriteAsync(s => Lifecycle.FinishAsync(s,
            new RunFinish(lost.Id, lost.Attempt, RunStatus.Completed, output, "late answer", null, null, null))));
        Assert.Equal(RunStatus.Failed, (await RunAsync(lost.Id)).Status);
        Assert.Equal([waiting.Id], await RunQueueDryAsync(thread.Id));
    }

    [Fact]
    public async Task A_lapsed_lease_of_a_cancelling_run_ends_it_cancelled()
    {
        var thread = await CreateThreadAsync();
        var lost = await StartRunAsync(thread.Id);
        await WriteAsync(s => Lifecycle.CancelAsync(s, new RunCancel(Project, thread.Id, lost.Id)));
        Assert.Equal(RunStatus.Cancelling, (await RunAsync(lost.Id)).Status);

        AdvanceTo(lost.LeaseExpiresAtMs!.Value + 1);
        Assert.Equal(1, (await RescueAsync()).Cancelled);

        Assert.Equal(RunStatus.Cancelled, (await RunAsync(lost.Id)).Status);
        Assert.Null((await ThreadAsync(thread.Id)).ActiveRunId);
    }

    [Fact]
    public async Task Writes_of_an_execution_whose_claim_was_superseded_change_nothing()
    {
        var thread = await CreateThreadAsync();
        var lost = await StartRunAsync(thread.Id);
        AdvanceTo(lost.LeaseExpiresAtMs!.Value + 1);
        await RescueAsync();
        // The same process claims it again: only the attempt tells the two executions apart.
        var current = (await ClaimHeadAsync(thread.Id))!;
        Assert.Equal((Owner, lost.Attempt + 1), (current.LeaseOwner, current.Attempt));
        Advance(1_000);

        // The lost execution goes on as if it still held the run, through the rules and straight through the driver.
        Assert.Empty(await WriteAsync(s => Lifecycle.RenewLeasesAsync(s, Owner, LeaseMs, [(lost.Id, lost.Attempt)])));
        Assert.False(await WriteAsync(s => Lifecycle.OutputBeginAsync(s, RunOutput.Begin(lost, NowMs / 1000), lost.Attempt)));
        Assert.Null(await WriteAsync(s => Lifecycle.RequireActionAsync(s, new RunRequireAction(lost.Id, lost.Attempt, null, null,
            [new ToolCall(CallId, "lookup", "{}")], NowMs / 1000 + 600, null))));
        Assert.Null(await WriteAsync(s => Lifecycle.FinishAsync(s, new RunFinish(lost.Id, lost.Attempt, RunStatus.Completed, null, null, null, null, null))));
        Assert.Null(await WriteAsync(s => Lifecycle.ReleaseAsync(s, lost.Id, lost.Attempt)));
        Assert.Null(await ReadAsync(s => s.Runs.RunGetHeldAsync(lost.Id, lost.Attempt)));
        Assert.Null(await WriteAsync(s => s.Runs.RunStatusSetAsync(new RunStatusSet(lost.Id, RunStatus.Completed, s.NowMs) { Attempt = lost.Attempt })));
        Assert.False(await WriteAsync(s => s.Runs.RunRequeueAsync(lost.Id, lost.Attempt)));

        var after = await RunAsync(lost.Id);
        Assert.Equal((RunStatus.InProgress, current.Attempt, current.LeaseExpiresAtMs), (after.Status, after.Attempt, after.LeaseExpiresAtMs));
        Assert.Empty(await StepsAsync(lost.Id));
        Assert.Empty(await MessagesAsync(thread.Id));

        // The current execution still holds it.
        var renewed = Assert.Single(await WriteAsync(s => Lifecycle.RenewLeasesAsync(s, Owner, LeaseMs, [(current.Id, current.Attempt)])));
        Assert.Equal(new HeldLease(current.Id, current.Attempt, RunStatus.InProgress), renewed);
        Assert.Equal(NowMs + LeaseMs, (await RunAsync(lost.Id)).LeaseExpiresAtMs);
        Assert.Equal(RunStatus.Completed, (await FinishAsync(current)).Run.Status);
    }

    private async Task<IReadOnlyList<RunStep>> StepsAsync(string runId) => await ReadAsync(s => s.RunSteps.RunStepListByRunAsync(runId));
}
