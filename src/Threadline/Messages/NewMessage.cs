using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>A message as a request gave it, validated, before it has a place (and usually before it has an id).</summary>
internal sealed record NewMessage(string Role, RawJson Content, RawJson Attachments, RawJson Metadata)
{
    /// <summary>Set when the caller must know the id before the message is stored (a response's input items).</summary>
    public string? Id { get; init; }
}

/// <summary>Makes the messages of requests, wherever messages come in.</summary>
internal sealed class MessageFactory(TimeProvider time)
{
    public Message Create(string projectId, string threadId, NewMessage m)
    {
        var now = time.UnixSeconds();
        return new Message
        {
            Id = m.Id ?? Ids.Item(m.Role),
            ProjectId = projectId,
            ThreadId = threadId,
            CreatedAt = now,
            Status = MessageStatus.Completed,
            CompletedAt = now,
            Role = m.Role,
            Content = m.Content,
            Attachments = m.Attachments,
            Metadata = m.Metadata,
        };
    }

    public IReadOnlyList<Message> CreateMany(string projectId, string threadId, IReadOnlyList<NewMessage> messages) =>
        messages.Select(m => Create(projectId, threadId, m)).ToList();
}
