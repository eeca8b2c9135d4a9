using WhatsAppBridge.Threadline;

namespace WhatsAppBridge.Outbound;

internal enum ReplyOutcome
{
    /// <summary>The reply went out.</summary>
    Sent,

    /// <summary>Nothing to send: the run wrote no text, or its thread is not a WhatsApp conversation.</summary>
    Skipped,

    /// <summary>The reply could not be sent now; Threadline should deliver the event again.</summary>
    Failed,
}

/// <summary>Turns a completed run into a WhatsApp message to the user whose thread it ran on.</summary>
internal sealed partial class ReplySender(ConversationDirectory directory, ThreadlineClient threadline, GraphApiClient graph, ILogger<ReplySender> logger)
{
    public async Task<ReplyOutcome> SendAsync(RunEventData data, CancellationToken ct)
    {
        var threadId = data.Run!.ThreadId!;
        var text = data.ReplyText();
        if (text.Length == 0)
        {
            LogNoText(logger, data.Run.Id ?? "?");
            return ReplyOutcome.Skipped;
        }

        if (!directory.TryGet(threadId, out var waId))
        {
            string? externalId;
            try
            {
                externalId = await threadline.GetExternalIdAsync(threadId, ct);
            }
            catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                LogLookupFailed(logger, threadId, e.Message);
                return ReplyOutcome.Failed;
            }

            if (ConversationKey.WaId(externalId) is not { } found)
            {
                // Another client's thread in the same Threadline project: its events reach this endpoint too.
                LogNotOurs(logger, threadId);
                return ReplyOutcome.Skipped;
            }

            waId = found;
            directory.Remember(threadId, waId);
        }

        if (!await graph.SendTextAsync(waId, text, ct))
            return ReplyOutcome.Failed;
        LogSent(logger, data.Run.Id ?? "?", threadId);
        return ReplyOutcome.Sent;
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Reply of run {RunId} on {ThreadId} sent")]
    private static partial void LogSent(ILogger logger, string runId, string threadId);

    [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "Run {RunId} wrote no text; nothing to send")]
    private static partial void LogNoText(ILogger logger, string runId);

    [LoggerMessage(EventId = 312, Level = LogLevel.Information, Message = "Thread {ThreadId} is not a WhatsApp conversation; ignored")]
    private static partial void LogNotOurs(ILogger logger, string threadId);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Could not look up thread {ThreadId}: {Error}")]
    private static partial void LogLookupFailed(ILogger logger, string threadId, string error);
}
