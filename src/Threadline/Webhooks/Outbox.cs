using Threadline.Domain;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Webhooks;

/// <summary>
/// Renders the body of a webhook event when the state change is written, so that every delivery
/// attempt sends the state as it was then. The Assistants surface projects runs and messages to its
/// wire objects; another surface may project them its own way.
/// </summary>
internal interface IWebhookPayloads
{
    byte[] Run(string eventId, string type, long createdAt, Run run, IReadOnlyList<Message> messages);

    byte[] Message(string eventId, long createdAt, Message message);

    byte[] Response(string eventId, string type, long createdAt, Run run, IReadOnlyList<Message> messages);
}

/// <summary>
/// The durable outbox: the events of a run that just settled are recorded in the transaction of
/// that change, with a delivery for every enabled endpoint that wants them. Nothing is recorded when
/// no endpoint listens.
/// </summary>
internal sealed class Outbox(IWebhookPayloads payloads)
{
    public async ValueTask RunSettledAsync(IStoreSession s, Run run, Message? completedReply)
    {
        if (!await s.Webhooks.WebhookEndpointAnyEnabledAsync(run.ProjectId))
            return;
        if (!run.Response.IsNull)
        {
            await ResponseSettledAsync(s, run);
            return;
        }
        if (completedReply is { Status: MessageStatus.Completed }
            && await s.Webhooks.WebhookEndpointListensAsync(run.ProjectId, WebhookEventTypes.MessageCompleted))
        {
            await RecordAsync(s, run, WebhookEventTypes.MessageCompleted, (id, at) => payloads.Message(id, at, completedReply));
        }
        var type = WebhookEventTypes.ForRunStatus(run.Status);
        if (!WebhookEventTypes.All.Contains(type) || !await s.Webhooks.WebhookEndpointListensAsync(run.ProjectId, type))
            return;
        var messages = await s.Messages.MessageListByRunAsync(run.Id);
        await RecordAsync(s, run, type, (id, at) => payloads.Run(id, type, at, run, messages));
    }

    /// <summary>A response's end: one <c>response.*</c> event, as hosted (the Responses API has no message events).</summary>
    private async ValueTask ResponseSettledAsync(IStoreSession s, Run run)
    {
        if (WebhookEventTypes.ForResponseStatus(run.Status) is not { } type || !await s.Webhooks.WebhookEndpointListensAsync(run.ProjectId, type))
            return;
        var messages = await s.Messages.MessageListByRunAsync(run.Id);
        await RecordAsync(s, run, type, (id, at) => payloads.Response(id, type, at, run, messages));
    }

    private static async ValueTask RecordAsync(IStoreSession s, Run run, string type, Func<string, long, byte[]> payload)
    {
        var id = Ids.New("evt");
        var at = s.NowMs / 1000;
        if (await s.Webhooks.WebhookEventInsertAsync(new WebhookEventInsert(id, run.ProjectId, run.ThreadId, type, at, payload(id, at), s.NowMs)) > 0)
            s.Announce(StoreChange.Outbox);
    }
}
