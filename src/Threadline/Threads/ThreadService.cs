using Threadline.Domain;
using Threadline.Messages;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Threads;

/// <summary>A thread as a request gave it, validated: its external id, settings and first messages.</summary>
internal sealed record NewThread(string? ExternalId, RawJson ToolResources, RawJson Metadata, IReadOnlyList<NewMessage> Messages);

internal sealed class ThreadService(IStore store, MessageFactory messages, TimeProvider time)
{
    public const int ExternalIdMaxLength = 256;

    /// <summary>
    /// The store command for a new thread (found by its external id, if it has one, when it is made);
    /// <paramref name="id"/> when the surface names its objects otherwise (a conversation's <c>conv_</c>).
    /// </summary>
    public ThreadCreate Prepare(string projectId, NewThread request, string? id = null)
    {
        var thread = new ConversationThread
        {
            Id = id ?? Ids.Thread(),
            ProjectId = projectId,
            CreatedAt = time.UnixSeconds(),
            ExternalId = request.ExternalId,
            ToolResources = request.ToolResources,
            Metadata = request.Metadata,
        };
        return new ThreadCreate(thread, messages.CreateMany(projectId, thread.Id, request.Messages));
    }

    public Task<ThreadCreateResult> CreateAsync(string projectId, NewThread request, CancellationToken ct, string? id = null)
    {
        var create = Prepare(projectId, request, id);
        return store.WriteAsync(s => ThreadCreation.CreateAsync(s, create), ct);
    }

    public async Task<Outcome<ConversationThread>> GetAsync(string projectId, string threadId, CancellationToken ct) =>
        await store.ReadAsync(s => s.Threads.ThreadGetAsync(projectId, threadId), ct) is { } thread ? thread : new NotFound("thread", threadId);

    public Task<Outcome<ConversationThread>> ModifyAsync(string projectId, string threadId, RawJson? toolResources, RawJson? metadata, CancellationToken ct) =>
        store.WriteAsync<Outcome<ConversationThread>>(async s =>
        {
            if (await s.Threads.ThreadGetAsync(projectId, threadId) is not { } current)
                return new NotFound("thread", threadId);
            var resources = toolResources is { } given ? await VectorStores.ToolResourceStores.CreateAsync(s, projectId, given) : current.ToolResources;
            var modified = current with { ToolResources = resources, Metadata = metadata ?? current.Metadata };
            await s.Threads.ThreadUpdateAsync(modified);
            return modified;
        }, ct);

    public async Task<Outcome<bool>> DeleteAsync(string projectId, string threadId, CancellationToken ct) =>
        await store.WriteAsync(s => s.Threads.ThreadDeleteAsync(projectId, threadId), ct) ? true : new NotFound("thread", threadId);

    public ValueTask<Page<ConversationThread>> ListAsync(ThreadFilter filter, PageRequest page, CancellationToken ct) =>
        store.ReadAsync(s => s.Threads.ThreadListAsync(filter, page), ct);
}
