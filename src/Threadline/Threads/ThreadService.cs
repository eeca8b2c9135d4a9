using Threadline.Api;
using Threadline.Domain;
using Threadline.Messages;
using Threadline.Storage;

namespace Threadline.Threads;

internal sealed class ThreadService(IThreadlineStore store, MessageFactory messages, TimeProvider time)
{
    public const int ExternalIdMaxLength = 256;

    /// <summary>Validates a thread request into a store command; shared by create thread and create thread and run.</summary>
    public ThreadCreate Prepare(string projectId, ThreadRequest request, string param = "")
    {
        var prefix = param.Length == 0 ? "" : param + ".";
        Validate.Metadata(request.Metadata, prefix + "metadata");
        Validate.MaxLength(request.ExternalId, ExternalIdMaxLength, prefix + "external_id");
        if (request.ExternalId is "")
            throw ApiException.Invalid($"Invalid '{prefix}external_id': empty string.", prefix + "external_id", "invalid_value");
        var thread = new ConversationThread
        {
            Id = Ids.Thread(),
            ProjectId = projectId,
            CreatedAt = time.UnixSeconds(),
            ExternalId = request.ExternalId,
            ToolResources = request.ToolResources,
            Metadata = request.Metadata ?? Metadata.Empty,
        };
        return new ThreadCreate(thread, messages.CreateMany(projectId, thread.Id, request.Messages, prefix + "messages"), time.UnixMilliseconds());
    }

    public Task<ThreadCreateResult> CreateAsync(string projectId, ThreadRequest request, CancellationToken ct) =>
        store.ThreadCreateAsync(Prepare(projectId, request), ct);

    public async Task<ConversationThread> GetAsync(string projectId, string threadId, CancellationToken ct) =>
        await store.ThreadGetAsync(projectId, threadId, ct) ?? throw ApiException.NoSuch("thread", threadId);

    /// <summary>404 with the hosted text unless the thread exists in the project.</summary>
    public async Task RequireAsync(string projectId, string threadId, CancellationToken ct)
    {
        if (!await store.ThreadExistsAsync(projectId, threadId, ct))
            throw ApiException.NoSuch("thread", threadId);
    }

    public async Task<ConversationThread> ModifyAsync(string projectId, string threadId, ThreadModifyRequest request, CancellationToken ct)
    {
        Validate.Metadata(request.Metadata);
        var current = await GetAsync(projectId, threadId, ct);
        var modified = current with
        {
            ToolResources = request.ToolResources ?? current.ToolResources,
            Metadata = request.Metadata ?? current.Metadata,
        };
        if (!await store.ThreadUpdateAsync(modified, ct))
            throw ApiException.NoSuch("thread", threadId);
        return modified;
    }

    public async Task DeleteAsync(string projectId, string threadId, CancellationToken ct)
    {
        if (!await store.ThreadDeleteAsync(projectId, threadId, ct))
            throw ApiException.NoSuch("thread", threadId);
    }

    public Task<Page<ConversationThread>> ListAsync(ThreadFilter filter, PageRequest page, CancellationToken ct) =>
        store.ThreadListAsync(filter, page, ct);
}
