using Threadline.Api;
using Threadline.Hosting;
using Threadline.Storage;

namespace Threadline.Messages;

internal sealed class MessageService(
    IThreadlineStore store, Threads.ThreadService threads, MessageFactory factory, ThreadlineOptions options, TimeProvider time)
{
    public async Task<Message> CreateAsync(string projectId, string threadId, MessageRequest request, CancellationToken ct)
    {
        var message = factory.Create(projectId, threadId, request);
        var result = await store.MessageCreateAsync(new MessageCreate(message, options.StrictByDefault, time.GetUtcNow().ToUnixTimeMilliseconds()), ct);
        if (result.ThreadMissing)
            throw ApiException.NoSuch("thread", threadId);
        if (result.RejectedByRunId is { } runId)
            throw ApiException.Invalid($"Can't add messages to {threadId} while a run {runId} is active.");
        // No wake: a message only moves debounce deadlines later, and the scheduler already
        // wakes at the earlier one, finds nothing due and sleeps until the new one.
        return result.Message!;
    }

    public async Task<Message> GetAsync(string projectId, string threadId, string messageId, CancellationToken ct)
    {
        await threads.RequireAsync(projectId, threadId, ct);
        return await store.MessageGetAsync(projectId, threadId, messageId, ct) ?? throw ApiException.NoSuch("message", messageId);
    }

    public async Task<Message> ModifyAsync(string projectId, string threadId, string messageId, MetadataRequest request, CancellationToken ct)
    {
        Validate.Metadata(request.Metadata);
        var current = await GetAsync(projectId, threadId, messageId, ct);
        var modified = current with { Metadata = request.Metadata ?? current.Metadata };
        if (!await store.MessageUpdateAsync(modified, ct))
            throw ApiException.NoSuch("message", messageId);
        return modified;
    }

    public async Task DeleteAsync(string projectId, string threadId, string messageId, CancellationToken ct)
    {
        await threads.RequireAsync(projectId, threadId, ct);
        if (!await store.MessageDeleteAsync(projectId, threadId, messageId, ct))
            throw ApiException.NoSuch("message", messageId);
    }

    public async Task<Page<Message>> ListAsync(string projectId, string threadId, string? runId, PageRequest page, CancellationToken ct)
    {
        await threads.RequireAsync(projectId, threadId, ct);
        return await store.MessageListAsync(projectId, threadId, runId, page, ct);
    }
}
