using System.ClientModel;
using OpenAI.Assistants;
using Xunit;
using static OpenAI.Assistants.StreamingUpdateReason;

namespace Threadline.Tests.Streaming;

/// <summary>Collecting and checking the SDK's <see cref="StreamingUpdate"/>s.</summary>
internal static class StreamingUpdates
{
    /// <summary>A run's text reply, from run in progress to run completed, as the SDK reports it.</summary>
    public static readonly StreamingUpdateReason[] TextReplyHead = [RunInProgress, RunStepCreated, RunStepInProgress, MessageCreated, MessageInProgress];

    public static readonly StreamingUpdateReason[] TextReplyTail = [MessageCompleted, RunStepCompleted, RunCompleted];

    /// <summary>Reads a whole stream (it ends when the run ends or needs tool outputs).</summary>
    public static async Task<List<StreamingUpdate>> ToListAsync(Task<AsyncStreamingResult<StreamingUpdate>> call, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await using var stream = await call;
        Assert.Equal(200, stream.Status);
        var updates = new List<StreamingUpdate>();
        await foreach (var update in stream.WithCancellation(cts.Token))
            updates.Add(update);
        return updates;
    }

    /// <summary>The kinds, without the SDK's closing <see cref="Done"/> marker if it reports one.</summary>
    public static List<StreamingUpdateReason> Kinds(IEnumerable<StreamingUpdate> updates) =>
        updates.Select(u => u.UpdateKind).Where(k => k != Done).ToList();

    /// <summary><paramref name="head"/>, then as many <see cref="MessageUpdated"/> as there are (at least one), then <paramref name="tail"/>.</summary>
    public static void AssertKinds(IReadOnlyList<StreamingUpdate> updates, IEnumerable<StreamingUpdateReason> head, IEnumerable<StreamingUpdateReason> tail)
    {
        var actual = Kinds(updates);
        var deltas = actual.Count(k => k == MessageUpdated);
        Assert.True(deltas >= 1, $"no MessageUpdated among {Describe(actual)}");
        List<StreamingUpdateReason> expected = [.. head, .. Enumerable.Repeat(MessageUpdated, deltas), .. tail];
        Assert.True(expected.SequenceEqual(actual), $"expected {Describe(expected)}\n  actual {Describe(actual)}");
    }

    public static string Text(IEnumerable<StreamingUpdate> updates) =>
        string.Concat(updates.OfType<MessageContentUpdate>().Select(u => u.Text));

    public static string Describe(IEnumerable<StreamingUpdateReason> kinds) => string.Join(", ", kinds);
}
