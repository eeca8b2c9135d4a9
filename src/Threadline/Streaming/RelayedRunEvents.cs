using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage;

namespace Threadline.Streaming;

/// <summary>
/// A run executed on another node reaches this node's streams as that node's Assistants frames
/// (<see cref="RelayedEvent"/>), which another surface's projection (the Responses API's, the
/// dashboard's) cannot use as they are. This turns them back into the domain events they were made of: the run's status
/// changes (its end as stored), the reply's message opened and ended, and every piece of text.
/// </summary>
internal static class RelayedRunEvents
{
    private const string RunPrefix = "thread.run.";

    public static async IAsyncEnumerable<RunEvent> AsDomainEvents(IAsyncEnumerable<RunEvent> events, Run made, IStore store,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var e in events.WithCancellation(ct))
        {
            if (e is not RelayedEvent { Projections: [SseFrame[] frames, ..] })
            {
                yield return e;
                continue;
            }
            foreach (var frame in frames)
                if (await DomainEventAsync(frame, made, store, ct) is { } domain)
                    yield return domain;
        }
    }

    private static async ValueTask<RunEvent?> DomainEventAsync(SseFrame frame, Run made, IStore store, CancellationToken ct)
    {
        switch (frame.Event)
        {
            case "thread.run.in_progress":
                return new RunStatusChanged(made with { Status = RunStatus.InProgress });
            case var name when name.StartsWith(RunPrefix, StringComparison.Ordinal) && RunStatus.IsTerminal(name[RunPrefix.Length..]):
                // The end as stored (usage, error, times); the frame's status if the read came before its commit.
                var ended = await store.ReadAsync(s => s.Runs.RunGetByIdAsync(made.Id), ct) ?? made;
                return new RunStatusChanged(ended.IsTerminal ? ended : ended with { Status = name[RunPrefix.Length..] });
            case "thread.message.created":
                return new MessageStarted(MessageOf(Json(frame), made));
            case "thread.message.delta":
                var delta = Json(frame);
                return new TextAppended((string)delta["id"]!, (string?)delta["delta"]?["content"]?[0]?["text"]?["value"] ?? "");
            case "thread.message.completed" or "thread.message.incomplete":
                return new MessageEnded(MessageOf(Json(frame), made));
            default:
                return null;
        }
    }

    private static JsonObject Json(SseFrame frame) => JsonNode.Parse(frame.Data)!.AsObject();

    /// <summary>The message of a <c>thread.message</c> frame (its content is in the stored form already).</summary>
    private static Message MessageOf(JsonObject m, Run made) => new()
    {
        Id = (string)m["id"]!,
        ProjectId = made.ProjectId,
        ThreadId = (string?)m["thread_id"] ?? made.ThreadId,
        CreatedAt = (long?)m["created_at"] ?? made.CreatedAt,
        Status = (string)m["status"]!,
        Role = (string)m["role"]!,
        Content = RawJson.From(m["content"]),
        RunId = made.Id,
        Metadata = m["metadata"] is { } metadata ? RawJson.From(metadata) : RawJson.EmptyObject,
    };
}
