using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Queue;

/// <summary>
/// The burst: 100 users each send 3 messages within 300 ms through 3 independent clients,
/// each client posting its message and then a run with <c>debounce_ms</c> 1000. Every user must get
/// exactly one run, made by exactly one of the three calls, whose reply answers all three messages.
/// </summary>
[Collection(SerialQueueCollection.Name)]
public sealed class DebouncedBurstTests(ITestOutputHelper output)
{
    private const int Users = 100;
    private const int ClientsPerUser = 3;

    [Fact]
    public async Task Each_users_burst_folds_into_one_run_that_answers_every_message()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var setup = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);
        var threads = new string[Users];
        await QueueApi.ForEachAsync(Enumerable.Range(0, Users), 8, async u =>
            threads[u] = await QueueApi.CreateThreadAsync(setup, new JsonObject { ["external_id"] = $"user-{u}" }));

        await RunBurstAsync(server, setup, assistantId, threads);
    }

    /// <summary>
    /// The same burst from fully stateless handlers: each client makes a single create-thread-and-run
    /// call that finds or makes the user's thread by external id and adds its message.
    /// </summary>
    [Fact]
    public async Task Each_users_burst_through_create_thread_and_run_by_external_id_folds_into_one_run()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var setup = QueueApi.NewClient(server);
        var assistantId = await QueueApi.CreateAssistantAsync(setup);

        await RunBurstAsync(server, setup, assistantId, threads: null);
    }

    private async Task RunBurstAsync(ThreadlineServer server, HttpClient setup, string assistantId, string[]? threads)
    {
        var burst = new UserBurst
        {
            Server = server,
            AssistantId = assistantId,
            Users = Users,
            ThreadIds = threads,
            ClientsPerUser = ClientsPerUser,
            RunBody = () => new JsonObject { ["debounce_ms"] = 1000 },
        };
        await DebouncedBurstCheck.RunAndAssertAsync(burst, setup, threads, output, () => server.FormatLog(50));
    }
}
