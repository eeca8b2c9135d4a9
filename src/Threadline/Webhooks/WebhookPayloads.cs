using System.Text.Json;
using System.Text.Json.Serialization;
using Threadline.Api;
using Threadline.Messages;
using Threadline.Runs;

namespace Threadline.Webhooks;

/// <summary>
/// The Assistants surface's event envelope <c>{id:"evt_...", object:"event", type, created_at, data}</c>.
/// For run events <c>data</c> holds the run and the messages it wrote, so a receiver can answer its
/// user without calling back; for <c>thread.message.completed</c>, the message. A response's events
/// carry the hosted <c>data.id</c> and, beside it, the response itself.
/// </summary>
internal sealed class WebhookPayloads : IWebhookPayloads
{
    public byte[] Run(string eventId, string type, long createdAt, Run run, IReadOnlyList<Message> messages) =>
        JsonSerializer.SerializeToUtf8Bytes(new EventEnvelope<RunEventData>(eventId, type, createdAt,
            new RunEventData(RunObject.From(run), messages.Select(MessageObject.From).ToList())), WireJson.Info<EventEnvelope<RunEventData>>());

    public byte[] Response(string eventId, string type, long createdAt, Run run, IReadOnlyList<Message> messages) =>
        JsonSerializer.SerializeToUtf8Bytes(new EventEnvelope<ResponseEventData>(eventId, type, createdAt,
            new ResponseEventData(run.Id, Responses.ResponseObject.From(run, messages))), WireJson.Info<EventEnvelope<ResponseEventData>>());

    public byte[] Message(string eventId, long createdAt, Message message) =>
        JsonSerializer.SerializeToUtf8Bytes(new EventEnvelope<MessageObject>(eventId, WebhookEventTypes.MessageCompleted, createdAt,
            MessageObject.From(message)), WireJson.Info<EventEnvelope<MessageObject>>());
}

internal sealed record EventEnvelope<T>(string Id, [property: JsonPropertyOrder(1)] string Type, [property: JsonPropertyOrder(2)] long CreatedAt, [property: JsonPropertyOrder(3)] T Data)
{
    [JsonPropertyOrder(0)] public string Object => "event";
}

internal sealed record RunEventData(RunObject Run, IReadOnlyList<MessageObject> Messages);

internal sealed record ResponseEventData(string Id, Responses.ResponseObject Response);
