using System.Text.Json;
using Threadline.Api;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Queue;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Tests.Infrastructure;
using Threadline.Threads;
using Xunit;

namespace Threadline.Tests.Runs;

/// <summary>
/// A run waiting for tool outputs expires once <c>Threadline:Queue:ToolOutputsTimeout</c> has passed (I6):
/// in this process, on a fake clock, with the server's own scheduler, executor, services and SQLite store
/// on a real database file. The scheduler's passes are run one at a time with <see cref="RunScheduler.RunOnceAsync"/>.
/// </summary>
public sealed class ToolOutputsExpiryTests
{
    private const string Project = CoreHarness.Project;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task ARunWaitingForToolOutputsExpiresWithItsToolStepOnceTheTimeoutHasPassed()
    {
        await using var core = await CoreHarness.StartAsync(new Dictionary<string, string?> { ["Threadline:Queue:ToolOutputsTimeout"] = "00:10:00" });
        var ct = CancellationToken.None;
        var scheduler = core.Get<RunScheduler>();
        var runs = core.Get<RunService>();
        var assistant = await core.Get<AssistantService>().CreateAsync(Project, new AssistantSettings
        {
            Model = "echo",
            Tools = RawJson.Trusted("""[{"type":"function","function":{"name":"lookup"}}]"""),
        }, ct);
        var thread = (await core.Get<ThreadService>().CreateAsync(Project, new NewThread(null, RawJson.Null, RawJson.EmptyObject,
            [new NewMessage("user", MessageContent.FromText("""call:lookup {"q":"x"}"""), RawJson.Null, RawJson.EmptyObject)]), ct)).Thread;
        var runId = (await runs.CreateAsync(Project, thread.Id, new CreateRun(new RunSettings { AssistantId = assistant.Id }, null, []), ct)).OrThrow().Run!.Id;
        var claimedAt = core.Clock.GetUtcNow();

        await scheduler.RunOnceAsync(ct);
        var waiting = await core.UntilRunAsync(runId, r => r.Status is not (RunStatus.Queued or RunStatus.InProgress));

        Assert.Equal(RunStatus.RequiresAction, waiting.Status);
        Assert.Equal((claimedAt + Timeout).ToUnixTimeSeconds(), waiting.ExpiresAt);
        var callId = JsonDocument.Parse(waiting.RequiredAction.Text).RootElement
            .GetProperty("submit_tool_outputs").GetProperty("tool_calls")[0].GetProperty("id").GetString()!;
        var toolStep = Assert.Single(await StepsAsync(core, thread.Id, runId));
        Assert.Equal((RunStepType.ToolCalls, "in_progress"), (toolStep.Type, toolStep.Status));

        // A second short of the timeout: still waiting.
        core.Advance(Timeout - TimeSpan.FromSeconds(1));
        await scheduler.RunOnceAsync(ct);
        Assert.Equal(RunStatus.RequiresAction, (await RunAsync(core, thread.Id, runId)).Status);

        // Past it: the pass expires the run and its tool step.
        core.Advance(TimeSpan.FromSeconds(2));
        await scheduler.RunOnceAsync(ct);

        var expired = await RunAsync(core, thread.Id, runId);
        Assert.Equal(RunStatus.Expired, expired.Status);
        Assert.True(expired.RequiredAction.IsNull);
        var expiredStep = Assert.Single(await StepsAsync(core, thread.Id, runId));
        Assert.Equal(RunStatus.Expired, expiredStep.Status);
        Assert.Equal(core.Clock.GetUtcNow().ToUnixTimeSeconds(), expiredStep.ExpiredAt);
        SpecSchemas.AssertValid("RunObject", JsonSerializer.SerializeToNode(RunObject.From(expired), WireJson.Info<RunObject>()));
        SpecSchemas.AssertValid("RunStepObject", JsonSerializer.SerializeToNode(RunStepObject.From(expiredStep), WireJson.Info<RunStepObject>()));

        var late = await runs.SubmitToolOutputsAsync(Project, thread.Id, runId, [KeyValuePair.Create(callId, "too late")], ct);
        var refused = Assert.IsType<RunStatusRefused>(late.Problem);
        Assert.Equal("Runs in status \"expired\" do not accept tool outputs.", ApiProblems.ToException(refused).Message);
        Assert.Equal(RunStatus.Expired, (await RunAsync(core, thread.Id, runId)).Status);

        // The thread is free again: its next run is claimed and answers.
        var next = (await runs.CreateAsync(Project, thread.Id, new CreateRun(new RunSettings { AssistantId = assistant.Id }, null,
            [new NewMessage("user", MessageContent.FromText("still there?"), RawJson.Null, RawJson.EmptyObject)]), ct)).OrThrow().Run!;
        await scheduler.RunOnceAsync(ct);
        var completed = await core.UntilRunAsync(next.Id, r => r.IsTerminal);
        Assert.Equal(RunStatus.Completed, completed.Status);
    }

    private static async Task<Run> RunAsync(CoreHarness core, string threadId, string runId) =>
        (await core.Get<RunService>().GetAsync(Project, threadId, runId, CancellationToken.None)).OrThrow();

    private static async Task<IReadOnlyList<RunStep>> StepsAsync(CoreHarness core, string threadId, string runId) =>
        (await core.Get<RunService>().StepsAsync(Project, threadId, runId, Threadline.Storage.PageRequest.All, CancellationToken.None)).OrThrow().Items;
}
