using WhatsAppBridge.Outbound;

namespace WhatsAppBridge.Threadline;

/// <summary>
/// Threadline's side: <c>POST /threadline/events</c> receives the signed webhook of a finished run and
/// sends its reply to the user.
/// </summary>
internal static partial class ThreadlineEventEndpoints
{
    public static IEndpointRouteBuilder MapThreadlineEvents(this IEndpointRouteBuilder app)
    {
        app.MapPost("/threadline/events", ReceiveAsync);
        return app;
    }

    /// <summary>
    /// :: Step 1 verify the signature and timestamp (401 otherwise, nothing else done);
    /// :: Step 2 skip an event already handled (Threadline delivers at least once, with the same webhook-id);
    /// :: Step 3 send the reply of a <c>thread.run.completed</c>; acknowledge other events as they are;
    /// :: Step 4 answer 2xx once sent, or 502 when the Graph API failed, so Threadline delivers the event again.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(HttpRequest request, StandardWebhookSignature signature, ProcessedEvents processed, ReplySender replies, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(ThreadlineEventEndpoints).FullName!);

        // :: Step 1
        var body = await RawBody.ReadAsync(request, request.HttpContext.RequestAborted);
        var webhookId = request.Headers["webhook-id"].ToString();
        var problem = signature.Check(webhookId, request.Headers["webhook-timestamp"].ToString(), request.Headers["webhook-signature"].ToString(), body);
        if (problem is not null)
        {
            LogRefused(logger, webhookId, problem);
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }

        // :: Step 2
        switch (processed.TryBegin(webhookId))
        {
            case EventClaim.Done:
                LogDuplicate(logger, webhookId);
                return Results.Ok();
            case EventClaim.InProgress:
                // Another delivery of this event is being handled right now; whether it succeeds is not
                // known yet, so this one asks Threadline to try again later.
                return Results.StatusCode(StatusCodes.Status409Conflict);
        }

        try
        {
            // :: Step 3
            var evt = ThreadlineEvent.TryParse(body);
            var data = evt?.Type == ThreadlineEvent.RunCompleted ? evt.RunData() : null;
            if (data is null)
            {
                LogIgnored(logger, webhookId, evt?.Type ?? "(unreadable)");
                processed.Complete(webhookId);
                return Results.Ok();
            }

            // Not cancelled with the request: once the message is on its way, its outcome must be recorded.
            var outcome = await replies.SendAsync(data, CancellationToken.None);

            // :: Step 4
            if (outcome == ReplyOutcome.Failed)
            {
                processed.Abandon(webhookId);
                return Results.StatusCode(StatusCodes.Status502BadGateway);
            }

            processed.Complete(webhookId);
            return Results.Ok();
        }
        catch
        {
            processed.Abandon(webhookId);
            throw;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Threadline event {WebhookId} refused: {Problem}")]
    private static partial void LogRefused(ILogger logger, string webhookId, string problem);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Threadline event {WebhookId} already handled; acknowledged again")]
    private static partial void LogDuplicate(ILogger logger, string webhookId);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "Threadline event {WebhookId} of type {Type} needs no reply")]
    private static partial void LogIgnored(ILogger logger, string webhookId, string type);
}
