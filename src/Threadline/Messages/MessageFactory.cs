using Threadline.Api;
using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>Validates a message request and makes the message, wherever messages come in.</summary>
internal sealed class MessageFactory(TimeProvider time)
{
    public Message Create(string projectId, string threadId, MessageRequest? request, string param = "")
    {
        request = Validate.Item(request, param.Length == 0 ? "body" : param);
        var prefix = param.Length == 0 ? "" : param + ".";
        var role = Validate.Required(request.Role, prefix + "role");
        Validate.OneOf(role, prefix + "role", MessageRole.User, MessageRole.Assistant);
        var content = MessageContent.FromRequest(request.Content, prefix + "content");
        Validate.Metadata(request.Metadata, prefix + "metadata");
        Validate.Attachments(request.Attachments, prefix + "attachments");
        var now = time.UnixSeconds();
        return new Message
        {
            Id = Ids.Message(),
            ProjectId = projectId,
            ThreadId = threadId,
            CreatedAt = now,
            Status = MessageStatus.Completed,
            CompletedAt = now,
            Role = role,
            Content = content,
            Attachments = request.Attachments,
            Metadata = request.Metadata ?? Metadata.Empty,
        };
    }

    public IReadOnlyList<Message> CreateMany(string projectId, string threadId, IReadOnlyList<MessageRequest?>? requests, string param) =>
        requests is null ? [] : requests.Select((r, i) => Create(projectId, threadId, r, $"{param}[{i}]")).ToList();
}
