using Threadline.Domain;
using Threadline.Messages;

namespace Threadline.Storage.Drivers;

internal interface IMessageDriver
{
    ValueTask MessageInsertAsync(Message message);
    ValueTask<Message?> MessageGetAsync(string projectId, string threadId, string messageId);
    ValueTask<bool> MessageMetadataUpdateAsync(string projectId, string threadId, string messageId, RawJson metadata);
    ValueTask<bool> MessageDeleteAsync(string projectId, string threadId, string messageId);
    /// <param name="messagesOnly">Leaves out the conversation items that are not messages (function calls and outputs).</param>
    ValueTask<Page<Message>> MessageListAsync(string projectId, string threadId, string? runId, PageRequest page, bool messagesOnly);

    /// <summary>The messages a run sees (I4), newest first, at most <see cref="MessageContextList.Max"/>.</summary>
    ValueTask<IReadOnlyList<Message>> MessageContextListAsync(MessageContextList list);

    /// <summary>The messages a run wrote, in thread order.</summary>
    ValueTask<IReadOnlyList<Message>> MessageListByRunAsync(string runId);

    /// <summary>The position right after the last message placed before <paramref name="beforePosition"/> (I4).</summary>
    ValueTask<long> MessageReplyPositionGetAsync(string threadId, long beforePosition);

    ValueTask MessageEndAsync(MessageEnd end);

    /// <summary>Whether the thread holds a function call item with that <c>call_id</c> (for an output sent for it).</summary>
    ValueTask<bool> MessageFunctionCallExistsAsync(string threadId, string callId);

    /// <summary>Marks the run's messages still in progress incomplete with <paramref name="reason"/>.</summary>
    ValueTask<int> MessageOpenCloseAsync(string runId, string reason, long at);
}

/// <summary>
/// The thread's messages placed before <paramref name="BeforePosition"/>, without those of
/// <paramref name="ExcludeRunId"/>, newest first, at most <paramref name="Max"/> of them.
/// </summary>
internal sealed record MessageContextList(string ThreadId, long BeforePosition, string ExcludeRunId, int Max);

internal sealed record MessageEnd(string MessageId, RawJson Content, string Status, string? IncompleteReason, long? CompletedAt, long? IncompleteAt);
