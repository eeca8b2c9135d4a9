using System.ClientModel;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// Strict mode, <c>Threadline:Concurrency=reject</c>: the hosted API's answers while a run is active,
/// word for word, as the official .NET SDK surfaces them (a <see cref="ClientResultException"/> with
/// status 400). Once the run has ended, the thread accepts messages and runs again.
/// </summary>
public sealed class StrictModeTests : IAsyncLifetime
{
    private ThreadlineServer? _server;

    private ThreadlineServer Server => _server!;

    public async Task InitializeAsync() => _server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
    {
        Arguments = new Dictionary<string, string> { ["Threadline:Concurrency"] = "reject" },
    });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task While_a_run_is_active_the_sdk_sees_the_hosted_400s_for_a_message_and_a_run()
    {
        var client = Server.CreateAssistantClient();
        Assistant assistant = await client.CreateAssistantAsync("echo");
        AssistantThread thread = await client.CreateThreadAsync(new ThreadCreationOptions { InitialMessages = { "hello" } });
        ThreadRun active = await client.CreateRunAsync(thread.Id, assistant.Id, new RunCreationOptions { ModelOverride = "echo:3000" });
        active = await WaitForAsync(client, active, r => r.Status == RunStatus.InProgress);

        var message = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.CreateMessageAsync(thread.Id, MessageRole.User, [MessageContent.FromText("too soon")]));
        AssertHosted400(message, $"Can't add messages to {thread.Id} while a run {active.Id} is active.");

        var run = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateRunAsync(thread.Id, assistant.Id));
        AssertHosted400(run, $"Thread {thread.Id} already has an active run {active.Id}.");

        // Nothing of the refused calls reached the thread; the active run carries on.
        Assert.Equal(RunStatus.InProgress, (await client.GetRunAsync(thread.Id, active.Id)).Value.Status);
        var runs = new List<ThreadRun>();
        await foreach (var r in client.GetRunsAsync(thread.Id))
        {
            runs.Add(r);
        }

        Assert.Equal([active.Id], runs.Select(r => r.Id));

        // Once it has ended, both work again.
        var done = await WaitForAsync(client, active, r => r.Status.IsTerminal, TimeSpan.FromSeconds(15));
        Assert.Equal(RunStatus.Completed, done.Status);
        ThreadMessage later = await client.CreateMessageAsync(thread.Id, MessageRole.User, [MessageContent.FromText("now")]);
        ThreadRun next = await client.CreateRunAsync(thread.Id, assistant.Id);
        Assert.Equal(RunStatus.Completed, (await WaitForAsync(client, next, r => r.Status.IsTerminal)).Status);
        Assert.NotNull(later.Id);
    }

    private static void AssertHosted400(ClientResultException e, string text)
    {
        Assert.Equal(400, e.Status);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_request_error", e.Message, StringComparison.Ordinal);
    }

    private static async Task<ThreadRun> WaitForAsync(AssistantClient client, ThreadRun run, Func<ThreadRun, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!until(run))
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {run.Id} stayed {run.Status}");
            await Task.Delay(20);
            run = await client.GetRunAsync(run.ThreadId, run.Id);
        }

        return run;
    }
}
