using Threadline.Runs;
using Threadline.RunSteps;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>I6: a run waiting for tool outputs past its <c>expires_at</c> expires, with its tool step, and its thread moves on.</summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task A_run_waiting_for_tool_outputs_past_expires_at_expires_with_its_tool_step()
    {
        var thread = await CreateThreadAsync();
        var run = await StartRunAsync(thread.Id);
        var waiting = (await CreateRunAsync(thread.Id)).Run!;
        var expiresAt = NowMs / 1000 + 600;
        var toolStep = (await RequireActionAsync(run, expiresAt)).ToolStep;

        AdvanceTo(expiresAt * 1000 - 1);
        Assert.Equal(0, (await RescueAsync()).Total);
        Advance(1);
        Assert.Equal(1, (await RescueAsync()).Expired);

        var expired = await RunAsync(run.Id);
        Assert.Equal(RunStatus.Expired, expired.Status);
        Assert.True(expired.RequiredAction.IsNull);
        var step = Assert.Single(await StepsAsync(run.Id), s => s.Id == toolStep.Id);
        Assert.Equal((RunStepStatus.Expired, expiresAt), (step.Status, step.ExpiredAt));
        Assert.Equal(RunStatus.Expired, (await SubmitOutputAsync(run)).RefusedStatus);
        Assert.Equal([waiting.Id], await RunQueueDryAsync(thread.Id));
    }
}
