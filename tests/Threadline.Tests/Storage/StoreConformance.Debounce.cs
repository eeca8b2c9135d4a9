using Threadline.Messages;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Runs;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// Debounce: a debounced call joins the thread's open debounced run of its assistant, and a user message
/// restarts the quiet period; the maximum wait bounds how long either can hold the run back.
/// </summary>
public abstract partial class StoreConformance
{
    private const long Quiet = 2_000;

    [Fact]
    public async Task A_debounced_call_joins_the_open_debounced_run_and_restarts_its_quiet_period()
    {
        var thread = await CreateThreadAsync();
        var t0 = NowMs;
        var made = await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: 30_000);
        Assert.False(made.Joined);
        Assert.Equal(t0 + Quiet, made.Run!.EligibleAtMs);

        Advance(1_500);
        var joined = await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: 30_000);

        Assert.True(joined.Joined);
        Assert.Equal(made.Run.Id, joined.Run?.Id);
        Assert.Equal(NowMs + Quiet, joined.Run?.EligibleAtMs);
        Assert.Equal(1, (await ThreadAsync(thread.Id)).QueuedRunCount);
        await AssertStartsAtAsync(made.Run.Id, NowMs + Quiet);
    }

    [Fact]
    public async Task A_user_message_restarts_the_quiet_period_of_the_threads_debounced_run()
    {
        var thread = await CreateThreadAsync();
        var run = (await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: 30_000)).Run!;

        Advance(1_500);
        await AppendAsync(thread.Id, "and another thing");
        var restartedTo = NowMs + Quiet;
        Advance(1_000);
        // Only users hold a debounced run back: the assistant's messages do not.
        await AppendAsync(thread.Id, "noted", MessageRole.Assistant);

        Assert.Equal(restartedTo, (await RunAsync(run.Id)).EligibleAtMs);
        await AssertStartsAtAsync(run.Id, restartedTo);
    }

    [Fact]
    public async Task The_maximum_wait_bounds_how_long_a_burst_holds_a_debounced_run_back()
    {
        const long maxWait = 5_000;
        var thread = await CreateThreadAsync();
        var t0 = NowMs;
        var run = (await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: maxWait)).Run!;

        // A message or a joining call every second, for longer than the maximum wait.
        for (var i = 1; i <= 5; i++)
        {
            Advance(1_000);
            if (i % 2 == 0)
                await AppendAsync(thread.Id, $"message {i}");
            else
                Assert.True((await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: maxWait)).Joined);
            Assert.Equal(Math.Min(NowMs + Quiet, t0 + maxWait), (await RunAsync(run.Id)).EligibleAtMs);
        }

        var claimed = Assert.Single(await ClaimNextAsync());
        Assert.Equal(run.Id, claimed.Id);
    }

    [Fact]
    public async Task A_debounced_call_joins_no_run_of_another_assistant_or_thread_and_none_that_has_started()
    {
        var thread = await CreateThreadAsync();
        var open = (await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: 30_000)).Run!;

        Assert.False((await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: 30_000, assistant: "asst_other")).Joined);
        var elsewhere = await CreateThreadAsync();
        Assert.False((await CreateRunAsync(elsewhere.Id, debounceMs: Quiet, maxWaitMs: 30_000)).Joined);

        // Started once and put back after its lease lapsed: queued again, but no longer open to join.
        Advance(Quiet);
        var started = (await ClaimHeadAsync(thread.Id))!;
        Assert.Equal(open.Id, started.Id);
        AdvanceTo(started.LeaseExpiresAtMs!.Value + 1);
        Assert.Equal(1, (await RescueAsync()).Requeued);
        var next = await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: 30_000);
        Assert.False(next.Joined);
        Assert.NotEqual(open.Id, next.Run?.Id);
    }

    [Fact]
    public async Task Every_call_told_it_joined_a_debounced_run_is_answered_by_that_run()
    {
        var other = await Database.OpenAsync();
        var thread = await CreateThreadAsync();
        var open = (await CreateRunAsync(thread.Id, debounceMs: Quiet, maxWaitMs: Quiet)).Run!;
        Advance(Quiet);

        // A burst of calls, each bringing its message, races the claims of the run they join: half through a second process.
        var calls = new List<Task<RunCreateResult>>();
        var claims = new List<Task<Run?>>();
        for (var i = 0; i < 16; i++)
        {
            var on = i % 2 == 0 ? Store : other;
            if (i % 4 == 2)
                claims.Add(ClaimHeadAsync(thread.Id, on));
            var message = StoreObjects.Message(thread.Id, NowMs, $"call {i}");
            calls.Add(WriteAsync(s => Lifecycle.CreateAsync(s, new RunCreate(StoreObjects.Run(thread.Id, s.NowMs, debounceMs: Quiet, maxWaitMs: Quiet),
                null, [message], OnActive.Queue)), on));
        }

        var started = Assert.Single(await Task.WhenAll(claims), c => c is not null)!;
        Assert.Equal(open.Id, started.Id);
        var seen = (await ContextAsync(started)).Select(m => m.Text).ToHashSet();
        var results = await Task.WhenAll(calls);
        for (var i = 0; i < results.Length; i++)
            if (results[i].Run?.Id == open.Id)
                Assert.True(seen.Contains($"call {i}"), $"call {i} joined run {open.Id}, which started without its message");
    }

    /// <summary>The run is the queue's next deadline and may start at <paramref name="eligibleAtMs"/>, not a millisecond before.</summary>
    private async Task AssertStartsAtAsync(string runId, long eligibleAtMs)
    {
        Assert.Equal(eligibleAtMs, (await DeadlinesAsync()).NextEligibleAtMs);
        AdvanceTo(eligibleAtMs - 1);
        Assert.Empty(await ClaimNextAsync());
        Advance(1);
        Assert.Equal([runId], (await ClaimNextAsync()).Select(r => r.Id));
    }
}
