using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Storage;

/// <summary>
/// Renders the body of a webhook event when the store records it, in the transaction of the state
/// change, so that every delivery attempt sends the state as it was then.
/// </summary>
internal interface IEventPayloads
{
    byte[] Run(string eventId, string type, long createdAt, Run run, IReadOnlyList<Message> messages);

    byte[] Message(string eventId, long createdAt, Message message);
}
