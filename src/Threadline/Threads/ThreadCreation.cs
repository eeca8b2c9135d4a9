using Threadline.Messages;
using Threadline.Storage;

namespace Threadline.Threads;

/// <summary>
/// Make a thread with its first messages; with an external id that already names a thread of
/// the project, append the messages to that thread instead.
/// </summary>
internal sealed record ThreadCreate(ConversationThread Thread, IReadOnlyList<Message> Messages);

internal sealed record ThreadCreateResult(ConversationThread Thread, bool Created);

internal static class ThreadCreation
{
    /// <summary>
    /// Find or make, then append: one transaction, so concurrent callers with one external id share
    /// one thread (on every node: an insert that finds the id taken meanwhile finds that thread). A
    /// thread found is held (<see cref="Storage.Drivers.IThreadDriver.ThreadLockAsync"/>) and read as held.
    /// </summary>
    public static async ValueTask<ThreadCreateResult> CreateAsync(IStoreSession s, ThreadCreate create)
    {
        var wanted = create.Thread;
        var existing = wanted.ExternalId is { } externalId ? await s.Threads.ThreadFindByExternalIdAsync(wanted.ProjectId, externalId) : null;
        if (existing is null)
            wanted = wanted with { ToolResources = await VectorStores.ToolResourceStores.CreateAsync(s, wanted.ProjectId, wanted.ToolResources) };
        if (existing is null && !await s.Threads.ThreadInsertAsync(wanted))
            existing = await s.Threads.ThreadFindByExternalIdAsync(wanted.ProjectId, wanted.ExternalId!)
                ?? throw new InvalidOperationException("A thread's external id was taken, but no thread has it.");
        var thread = existing is null ? wanted : await s.Threads.ThreadLockAsync(existing.ProjectId, existing.Id) ?? existing;
        foreach (var message in create.Messages)
            await MessageAppend.AppendAsync(s, message with { ThreadId = thread.Id, CreatedAt = s.NowMs / 1000, CompletedAt = s.NowMs / 1000 }, onlyIfIdle: false);
        // Read again when the messages changed the thread: its queue (an existing thread), or its tool_resources
        // (attachments for file_search made it a vector store).
        var changed = existing is not null || create.Messages.Any(m => VectorStores.ThreadFiles.Searchable(m.Attachments));
        return new ThreadCreateResult(!changed || create.Messages.Count == 0
            ? thread : await s.Threads.ThreadGetAsync(thread.ProjectId, thread.Id) ?? thread, existing is null);
    }
}
