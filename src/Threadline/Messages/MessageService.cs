using Threadline.Domain;
using Threadline.Hosting;
using Threadline.Storage;

namespace Threadline.Messages;

internal sealed class MessageService(IStore store, MessageFactory factory, ThreadlineOptions options)
{
    /// <summary>
    /// Adds a message at any time; in strict mode (the hosted behaviour) refuses it while a run holds
    /// the thread. No wake is needed: a message only moves debounce deadlines later, which the store
    /// announces when it does.
    /// </summary>
    public async Task<Outcome<Message>> CreateAsync(string projectId, string threadId, NewMessage request, CancellationToken ct)
    {
        var placed = await CreateManyAsync(projectId, threadId, [request], ct);
        return placed.Problem is { } problem ? problem : placed.Value![0];
    }

    /// <summary>Adds messages one after another in one write (the Conversations API's items): all of them, or none.</summary>
    public Task<Outcome<IReadOnlyList<Message>>> CreateManyAsync(string projectId, string threadId, IReadOnlyList<NewMessage> requests, CancellationToken ct)
    {
        var made = factory.CreateMany(projectId, threadId, requests);
        var strict = options.StrictByDefault;
        return store.WriteAsync<Outcome<IReadOnlyList<Message>>>(async s =>
        {
            var placed = new List<Message>(made.Count);
            foreach (var message in made)
            {
                // Only the first can be refused: the thread's existence and strict state hold for the whole write.
                var (one, slot) = await MessageAppend.AppendAsync(s, message with { CreatedAt = s.NowMs / 1000, CompletedAt = s.NowMs / 1000 }, onlyIfIdle: strict);
                if (one is null)
                    return slot is { BlockingRunId: { } runId } ? new ThreadBusy(threadId, runId, ForMessage: true) : new NotFound("thread", threadId);
                placed.Add(one);
            }
            return placed;
        }, ct);
    }

    public async Task<Outcome<Message>> GetAsync(string projectId, string threadId, string messageId, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Message>>(async s =>
        {
            if (await s.Messages.MessageGetAsync(projectId, threadId, messageId) is { } message)
                return message;
            return await s.Threads.ThreadExistsAsync(projectId, threadId) ? new NotFound("message", messageId) : new NotFound("thread", threadId);
        }, ct);

    public Task<Outcome<Message>> ModifyAsync(string projectId, string threadId, string messageId, RawJson? metadata, CancellationToken ct) =>
        store.WriteAsync<Outcome<Message>>(async s =>
        {
            if (await s.Messages.MessageGetAsync(projectId, threadId, messageId) is not { } current)
                return await s.Threads.ThreadExistsAsync(projectId, threadId) ? new NotFound("message", messageId) : new NotFound("thread", threadId);
            if (metadata is not { } m)
                return current;
            await s.Messages.MessageMetadataUpdateAsync(projectId, threadId, messageId, m);
            return current with { Metadata = m };
        }, ct);

    public Task<Outcome<bool>> DeleteAsync(string projectId, string threadId, string messageId, CancellationToken ct) =>
        store.WriteAsync<Outcome<bool>>(async s =>
        {
            if (await s.Messages.MessageDeleteAsync(projectId, threadId, messageId))
                return true;
            return await s.Threads.ThreadExistsAsync(projectId, threadId) ? new NotFound("message", messageId) : new NotFound("thread", threadId);
        }, ct);

    /// <param name="messagesOnly">The Assistants API's view: no function call items (<see cref="MessageRole.IsItemOnly"/>).</param>
    public async Task<Outcome<Page<Message>>> ListAsync(string projectId, string threadId, string? runId, PageRequest page, bool messagesOnly, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Page<Message>>>(async s =>
        {
            var found = await s.Messages.MessageListAsync(projectId, threadId, runId, page, messagesOnly);
            // An empty page is the only case that needs to ask whether the thread exists.
            if (found.Items.Count == 0 && !await s.Threads.ThreadExistsAsync(projectId, threadId))
                return new NotFound("thread", threadId);
            return found;
        }, ct);
}
