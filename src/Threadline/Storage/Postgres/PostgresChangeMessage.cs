using System.Text;

namespace Threadline.Storage.Postgres;

/// <summary>
/// What one committed write changed, as the payload of a <c>NOTIFY</c> on <see cref="Channel"/>:
/// <c>node|topics|run,run,...</c>. The writing node publishes its changes itself and skips its own
/// notifications; a payload too long for NOTIFY names no runs and wakes every stream instead.
/// </summary>
internal static class PostgresChangeMessage
{
    public const string Channel = "threadline_changes";

    /// <summary>Under NOTIFY's 8000-byte limit, with room for the node name.</summary>
    private const int MaxPayload = 7_000;

    private const string EveryRun = "*";

    public static string? Encode(string node, IReadOnlyList<StoreChange> changes)
    {
        if (changes.Count == 0)
            return null;
        var topics = 0;
        var payload = new StringBuilder(node).Append('|');
        var runs = new StringBuilder();
        foreach (var change in changes)
        {
            topics |= 1 << (int)change.Topic;
            if (change.RunId is { } runId)
                runs.Append(runs.Length > 0 ? "," : "").Append(runId);
        }
        payload.Append(topics).Append('|');
        return (payload.Length + runs.Length > MaxPayload ? payload.Append(EveryRun) : payload.Append(runs)).ToString();
    }

    /// <summary>The changes of another node's write; null for this node's own (or a payload not ours).</summary>
    public static (List<StoreChange> Changes, bool EveryRun)? Decode(string node, string payload)
    {
        var parts = payload.Split('|');
        if (parts.Length != 3 || parts[0] == node || !int.TryParse(parts[1], out var topics))
            return null;
        var changes = new List<StoreChange>();
        foreach (var topic in Enum.GetValues<ChangeTopic>())
            if (topic != ChangeTopic.Run && (topics & (1 << (int)topic)) != 0)
                changes.Add(new StoreChange(topic));
        if (parts[2] == EveryRun)
            return (changes, true);
        foreach (var runId in parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries))
            changes.Add(StoreChange.Run(runId));
        return (changes, false);
    }
}
