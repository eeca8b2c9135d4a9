using Threadline.Queue;
using Threadline.Runs;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>I2: a thread's waiting runs start in the order they were made; an interrupting or resumed run goes first.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task Waiting_runs_of_a_thread_start_in_the_order_they_were_made()
    {
        var thread = await CreateThreadAsync();
        // Made in one millisecond, with ids that sort the other way round: neither a time nor an id can order them.
        var made = new List<string>();
        foreach (var id in StoreObjects.DescendingIds("run", 5))
            made.Add((await CreateRunAsync(thread.Id, id)).Run!.Id);

        Assert.Equal(made, await RunQueueDryAsync(thread.Id));
    }

    [Fact]
    public async Task An_interrupting_run_starts_before_the_runs_already_waiting()
    {
        var thread = await CreateThreadAsync();
        var active = await StartRunAsync(thread.Id);
        var waiting = (await CreateRunAsync(thread.Id)).Run!;

        var interrupting = await CreateRunAsync(thread.Id, onActive: OnActive.Interrupt);

        Assert.Equal(active.Id, interrupting.InterruptedRunId);
        Assert.Equal(RunStatus.Cancelling, (await RunAsync(active.Id)).Status);
        Assert.Null(await ClaimHeadAsync(thread.Id));
        // Its execution notices and ends it cancelled; then the interrupting run goes first.
        Assert.Equal(RunStatus.Cancelled, (await FinishAsync(active)).Run.Status);
        Assert.Equal([interrupting.Run!.Id, waiting.Id], await RunQueueDryAsync(thread.Id));
    }

    [Fact]
    public async Task A_run_resumed_after_tool_outputs_starts_before_the_runs_that_waited_behind_it()
    {
        var thread = await CreateThreadAsync();
        var run = await StartRunAsync(thread.Id);
        var waiting = (await CreateRunAsync(thread.Id)).Run!;
        await RequireActionAsync(run, NowMs / 1000 + 600);
        Assert.Null(await ClaimHeadAsync(thread.Id));

        var submitted = await SubmitOutputAsync(run);

        Assert.Equal(RunStatus.Queued, submitted.Run?.Status);
        var resumed = await ClaimHeadAsync(thread.Id);
        Assert.Equal((run.Id, run.Attempt + 1), (resumed?.Id, resumed?.Attempt));
        await FinishAsync(resumed!);
        Assert.Equal([waiting.Id], await RunQueueDryAsync(thread.Id));
    }
}
