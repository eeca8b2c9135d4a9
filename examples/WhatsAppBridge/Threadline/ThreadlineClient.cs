using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using WhatsAppBridge.Inbound;

namespace WhatsAppBridge.Threadline;

/// <summary>The two Threadline calls the bridge makes: create thread and run (one per message), and get thread.</summary>
internal sealed partial class ThreadlineClient(HttpClient http, IOptions<BridgeOptions> options, ConversationDirectory directory, ILogger<ThreadlineClient> logger)
{
    /// <summary>A second delivery of a message can arrive while the first is still being stored; Threadline then answers 409.</summary>
    private static readonly TimeSpan[] InFlightRetryDelays =
        [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)];

    /// <summary>
    /// Hands one user message to Threadline in one call: find or create the user's thread
    /// (<c>external_id</c>), append the message, and start a run that waits <c>debounce_ms</c> for the user
    /// to stop typing, or join the run already waiting (so a burst of messages gets one answer).
    /// <c>Idempotency-Key: &lt;wamid&gt;</c> makes Meta's redeliveries harmless: Threadline replays its first
    /// answer and stores nothing twice.
    /// </summary>
    public async Task<ForwardResult> CreateThreadAndRunAsync(InboundTextMessage message, CancellationToken ct)
    {
        var o = options.Value;
        // The body must be the same on every delivery of the message (Threadline compares it with the
        // first one under the same key), so it holds nothing but the message and the configuration.
        var body = new CreateThreadAndRunRequest(
            o.AssistantId,
            new ThreadWithMessages(ConversationKey.ExternalId(message.WaId), [new UserMessage("user", message.Text)]),
            o.DebounceMs);

        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "threads/runs")
            {
                Content = JsonContent.Create(body, options: ThreadlineWire.Json),
            };
            request.Headers.Add("Idempotency-Key", message.MessageId);

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                LogUnreachable(logger, message.MessageId, e.Message);
                return new ForwardResult(ForwardOutcome.Unavailable, Detail: e.Message);
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var run = await response.Content.ReadFromJsonAsync<RunCreated>(ThreadlineWire.Json, ct)
                        ?? throw new InvalidOperationException("Threadline answered create thread and run with an empty body.");
                    directory.Remember(run.ThreadId, message.WaId);
                    var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
                    LogForwarded(logger, message.MessageId, run.Id, run.ThreadId, run.Joined == true, replayed);
                    return new ForwardResult(replayed ? ForwardOutcome.Replayed : ForwardOutcome.Accepted, run, status);
                }

                if (response.StatusCode == HttpStatusCode.Conflict && attempt < InFlightRetryDelays.Length)
                {
                    // The same wamid is being stored right now (Meta delivered it twice at once): wait for
                    // the first request to finish, then this one replays its answer.
                    await Task.Delay(InFlightRetryDelays[attempt], ct);
                    continue;
                }

                var detail = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || status >= 500)
                {
                    LogUnavailable(logger, message.MessageId, status);
                    return new ForwardResult(ForwardOutcome.Unavailable, Status: status, Detail: detail);
                }

                // 401 (wrong key), 404 (no such assistant), 422 (the wamid came back with another body,
                // e.g. after DebounceMs changed: the message was taken the first time) ... Meta's
                // redelivery would get the same answer, so the message is logged and dropped.
                LogRejected(logger, message.MessageId, status, detail);
                return new ForwardResult(ForwardOutcome.Rejected, Status: status, Detail: detail);
            }
        }
    }

    /// <summary>The thread's <c>external_id</c>; null when the thread does not exist (any other failure throws).</summary>
    public async Task<string?> GetExternalIdAsync(string threadId, CancellationToken ct)
    {
        using var response = await http.GetAsync($"threads/{Uri.EscapeDataString(threadId)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        var thread = await response.Content.ReadFromJsonAsync<ThreadInfo>(ThreadlineWire.Json, ct);
        return thread?.ExternalId;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Message {MessageId} -> run {RunId} on {ThreadId} (joined={Joined}, replayed={Replayed})")]
    private static partial void LogForwarded(ILogger logger, string messageId, string runId, string threadId, bool joined, bool replayed);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Message {MessageId}: Threadline unreachable ({Error}); Meta will redeliver")]
    private static partial void LogUnreachable(ILogger logger, string messageId, string error);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Message {MessageId}: Threadline answered {Status}; Meta will redeliver")]
    private static partial void LogUnavailable(ILogger logger, string messageId, int status);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "Message {MessageId} dropped: Threadline answered {Status}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string messageId, int status, string detail);
}
