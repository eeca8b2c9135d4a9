using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Messages;

/// <summary>
/// Adding a message to a thread, wherever messages come in (create message, create thread,
/// additional messages): it takes the thread's next slot, and a user message restarts the quiet
/// period of the thread's debounced runs, bounded by their maximum wait.
/// </summary>
internal static class MessageAppend
{
    /// <returns>The message as placed; null with <see cref="ThreadSlot.BlockingRunId"/> when <paramref name="onlyIfIdle"/> refused it; null slot when the thread is missing.</returns>
    public static async ValueTask<(Message? Message, ThreadSlot? Slot)> AppendAsync(IStoreSession s, Message message, bool onlyIfIdle)
    {
        var slot = await s.Threads.ThreadSlotTakeAsync(new ThreadSlotTake(message.ProjectId, message.ThreadId, onlyIfIdle));
        if (slot?.Position is not { } position)
            return (null, slot);
        var placed = message with { Position = MessagePositions.OfSlot(position) };
        await s.Messages.MessageInsertAsync(placed);
        await VectorStores.ThreadFiles.AttachAsync(s, placed);
        // Only a thread with runs waiting can have a debounced one: most messages skip the update.
        if (message.Role == MessageRole.User && slot.QueuedRuns > 0 && await s.Runs.RunDebounceRestartAsync(message.ThreadId, s.NowMs) > 0)
        {
            await s.Threads.ThreadQueueRefreshAsync(message.ThreadId);
            s.Announce(StoreChange.Queue);
        }
        return (placed, slot);
    }
}
