using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// The chaos test's traffic, from independent clients that fail over between nodes
/// (<see cref="FailoverHandler"/>): writers that post messages, and now and then a plain run, to shared
/// threads; and, one after another, debounced bursts (<see cref="UserBurst"/>) on threads of their own.
/// It keeps what was acknowledged (2xx), the only thing a crash must not lose.
/// </summary>
internal sealed class ChaosLoad(Nodes nodes, ClientFigures figures, string assistantId, IReadOnlyList<string> sharedThreads)
{
    public const int DebounceMs = 2000;
    private const int BurstUsers = 2;
    private const int BurstClients = 3;

    /// <summary>Paces each writer and the bursts, so that two shared cores serve the failover rather than drown in requests.</summary>
    private static readonly TimeSpan WriterPace = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan BurstPace = TimeSpan.FromMilliseconds(800);

    public ConcurrentBag<(string Thread, string Message)> AcknowledgedMessages { get; } = [];
    public ConcurrentBag<(string Thread, string Run)> AcknowledgedRuns { get; } = [];
    public ConcurrentBag<UserBurst> Bursts { get; } = [];

    /// <summary>Answers a retry got when a node died after doing the work but before recording the answer: not acknowledged, not lost either.</summary>
    public int Interrupted => Volatile.Read(ref _interrupted);

    public ConcurrentBag<string> Errors { get; } = [];

    private int _interrupted;

    public Task RunAsync(int writers, CancellationToken stop) =>
        Task.WhenAll([.. Enumerable.Range(0, writers).Select(w => WriteAsync(w, stop)), BurstAsync(stop)]);

    private async Task WriteAsync(int writer, CancellationToken stop)
    {
        using var http = FailoverHandler.NewClient(nodes, figures);
        using var pace = new PeriodicTimer(WriterPace);
        var random = new Random(writer);
        for (var n = 0; await Tick(pace, stop); n++)
        {
            var thread = sharedThreads[random.Next(sharedThreads.Count)];
            if (Acknowledged(await QueueApi.AddMessageAsync(http, thread, $"writer {writer} message {n}")) is not { } message)
                continue;
            AcknowledgedMessages.Add((thread, message));
            if (n % 3 == 0 && Acknowledged(await QueueApi.CreateRunAsync(http, thread, QueueApi.RunBody(assistantId, model: "echo:300"))) is { } run)
                AcknowledgedRuns.Add((thread, run));
        }
    }

    private async Task BurstAsync(CancellationToken stop)
    {
        using var setup = FailoverHandler.NewClient(nodes, figures);
        using var pace = new PeriodicTimer(BurstPace);
        while (await Tick(pace, stop))
        {
            var threads = new List<string>();
            for (var u = 0; u < BurstUsers; u++)
                threads.Add(await QueueApi.CreateThreadAsync(setup));
            var burst = new UserBurst
            {
                ClientFor = _ => FailoverHandler.NewClient(nodes, figures),
                AssistantId = assistantId,
                Users = BurstUsers,
                ClientsPerUser = BurstClients,
                ThreadIds = threads,
                WarmUp = false,
                RunBody = () => new JsonObject { ["debounce_ms"] = DebounceMs },
            };
            await burst.RunAsync();
            Bursts.Add(burst);
            foreach (var error in burst.Errors)
            {
                if (error.Contains("idempotency_key_interrupted", StringComparison.Ordinal))
                    Interlocked.Increment(ref _interrupted);
                else
                    Errors.Add(error);
            }
        }
    }

    /// <summary>The id a 2xx answered with; null (counted or kept as an error) for anything else.</summary>
    private string? Acknowledged(ApiResponse response)
    {
        if (response.IsSuccess())
            return QueueApi.Id(response.AssertOk());
        if (response.StatusCode == 409 && response.Text.Contains("idempotency_key_interrupted", StringComparison.Ordinal))
            Interlocked.Increment(ref _interrupted);
        else
            Errors.Add(response.Summary());
        return null;
    }

    private static async ValueTask<bool> Tick(PeriodicTimer pace, CancellationToken stop)
    {
        try
        {
            return await pace.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
