using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage.Drivers;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>I4: a run sees its thread as it was when it started; its reply sits right after the last message it saw.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task A_run_sees_the_messages_of_its_thread_as_they_were_when_it_started()
    {
        var thread = await CreateThreadAsync();
        await AppendAsync(thread.Id, "first");
        await AppendAsync(thread.Id, "second");
        var run = await StartRunAsync(thread.Id, additional: [StoreObjects.Message(thread.Id, NowMs, "with the run")]);

        await AppendAsync(thread.Id, "after it started");

        Assert.Equal(["with the run", "second", "first"], (await ContextAsync(run)).Select(m => m.Text));
        Assert.Equal(["with the run", "second"], (await ContextAsync(run, max: 2)).Select(m => m.Text));
    }

    [Fact]
    public async Task A_runs_reply_sits_right_after_the_last_message_it_saw_even_when_others_arrived()
    {
        var thread = await CreateThreadAsync();
        await AppendAsync(thread.Id, "question");
        var run = await StartRunAsync(thread.Id);
        await AppendAsync(thread.Id, "while it worked");
        var output = await BeginOutputAsync(run);
        await AppendAsync(thread.Id, "while it wrote");

        await FinishAsync(run, output: output, reply: "answer");

        Assert.Equal(["question", "answer", "while it worked", "while it wrote"], (await MessagesAsync(thread.Id)).Select(m => m.Text));
        // The next run sees all of it and answers after the last of it.
        var next = await StartRunAsync(thread.Id);
        Assert.Equal(["while it wrote", "while it worked", "answer", "question"], (await ContextAsync(next)).Select(m => m.Text));
        await FinishAsync(next, output: await BeginOutputAsync(next), reply: "second answer");
        Assert.Equal("second answer", (await MessagesAsync(thread.Id))[^1].Text);
    }

    [Fact]
    public async Task A_run_resumed_after_tool_outputs_keeps_the_context_it_started_with()
    {
        var thread = await CreateThreadAsync();
        await AppendAsync(thread.Id, "call the tool");
        var run = await StartRunAsync(thread.Id);
        await RequireActionAsync(run, NowMs / 1000 + 600);
        await AppendAsync(thread.Id, "while it waited for the output");
        await SubmitOutputAsync(run);

        var resumed = (await ClaimHeadAsync(thread.Id))!;

        Assert.Equal(run.ContextPosition, resumed.ContextPosition);
        Assert.Equal(["call the tool"], (await ContextAsync(resumed)).Select(m => m.Text));
    }

    /// <summary>What the run's execution reads as its context, newest first.</summary>
    private Task<IReadOnlyList<Message>> ContextAsync(Run run, int max = 100) =>
        ReadAsync(s => s.Messages.MessageContextListAsync(
            new MessageContextList(run.ThreadId, MessagePositions.ContextEnd(run.ContextPosition!.Value), run.Id, max)));
}
