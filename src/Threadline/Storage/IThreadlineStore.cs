using Threadline.Assistants;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Storage;

/// <summary>
/// The storage seam. Every method is one transaction; every rule that must hold across server
/// processes (one active run per thread, FIFO, debounce joining, strict mode) is decided here,
/// by the database, never in process memory.
/// </summary>
internal interface IThreadlineStore
{
    Task PingAsync(CancellationToken ct);

    // :: Assistants
    Task AssistantInsertAsync(Assistant assistant, CancellationToken ct);
    Task<Assistant?> AssistantGetAsync(string projectId, string assistantId, CancellationToken ct);
    Task<bool> AssistantUpdateAsync(Assistant assistant, CancellationToken ct);
    Task<bool> AssistantDeleteAsync(string projectId, string assistantId, CancellationToken ct);
    Task<Page<Assistant>> AssistantListAsync(string projectId, PageRequest page, CancellationToken ct);

    // :: Threads
    Task<ThreadCreateResult> ThreadCreateAsync(ThreadCreate create, CancellationToken ct);
    Task<ConversationThread?> ThreadGetAsync(string projectId, string threadId, CancellationToken ct);
    Task<bool> ThreadExistsAsync(string projectId, string threadId, CancellationToken ct);
    Task<bool> ThreadUpdateAsync(ConversationThread thread, CancellationToken ct);
    Task<bool> ThreadDeleteAsync(string projectId, string threadId, CancellationToken ct);
    Task<Page<ConversationThread>> ThreadListAsync(ThreadFilter filter, PageRequest page, CancellationToken ct);

    // :: Messages
    Task<MessageCreateResult> MessageCreateAsync(MessageCreate create, CancellationToken ct);
    Task<Message?> MessageGetAsync(string projectId, string threadId, string messageId, CancellationToken ct);
    Task<bool> MessageUpdateAsync(Message message, CancellationToken ct);
    Task<bool> MessageDeleteAsync(string projectId, string threadId, string messageId, CancellationToken ct);
    Task<Page<Message>> MessageListAsync(string projectId, string threadId, string? runId, PageRequest page, CancellationToken ct);

    // :: Runs
    Task<RunCreateResult> RunCreateAsync(RunCreate create, CancellationToken ct);
    Task<Run?> RunGetAsync(string projectId, string threadId, string runId, CancellationToken ct);
    Task<bool> RunMetadataUpdateAsync(string projectId, string threadId, string runId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct);
    Task<Page<Run>> RunListAsync(string projectId, string threadId, PageRequest page, CancellationToken ct);
    Task<RunCancelResult> RunCancelAsync(RunCancel cancel, CancellationToken ct);

    // :: The queue (scheduler and executor)
    Task<IReadOnlyList<Run>> RunClaimNextAsync(RunClaim claim, CancellationToken ct);
    Task<QueueDeadlines> RunDeadlinesAsync(CancellationToken ct);
    Task<IReadOnlyList<Message>> RunContextLoadAsync(Run run, CancellationToken ct);
    Task<string?> RunLeaseRenewAsync(RunLeaseRenew renew, CancellationToken ct);
    Task<RunOutput?> RunOutputBeginAsync(RunOutputBegin begin, CancellationToken ct);
    Task<RunRequireActionResult> RunRequireActionAsync(RunRequireAction require, CancellationToken ct);
    Task<RunToolOutputsResult> RunToolOutputsSubmitAsync(RunToolOutputsSubmit submit, CancellationToken ct);
    Task<RunFinishResult> RunFinishAsync(RunFinish finish, CancellationToken ct);
    Task<RunRescueResult> RunRescueAsync(RunRescue rescue, CancellationToken ct);

    // :: Idempotency keys
    Task<IdempotencyBeginResult> IdempotencyBeginAsync(IdempotencyBegin begin, CancellationToken ct);
    Task IdempotencyCompleteAsync(IdempotencyComplete complete, CancellationToken ct);
    Task IdempotencyReleaseAsync(string projectId, string operation, string key, CancellationToken ct);
    Task<int> IdempotencyPurgeAsync(long nowMs, CancellationToken ct);

    // :: Webhooks
    Task WebhookEndpointInsertAsync(WebhookEndpoint endpoint, CancellationToken ct);
    Task<WebhookEndpoint?> WebhookEndpointGetAsync(string projectId, string endpointId, CancellationToken ct);
    Task<bool> WebhookEndpointUpdateAsync(WebhookEndpoint endpoint, CancellationToken ct);
    Task<bool> WebhookEndpointDeleteAsync(string projectId, string endpointId, CancellationToken ct);
    Task<Page<WebhookEndpoint>> WebhookEndpointListAsync(string projectId, PageRequest page, CancellationToken ct);
    Task WebhookEndpointUpsertConfiguredAsync(WebhookEndpoint endpoint, CancellationToken ct);
    Task<Page<WebhookDelivery>> WebhookDeliveryListAsync(string projectId, string endpointId, PageRequest page, CancellationToken ct);
    Task<WebhookDelivery?> WebhookDeliveryReplayAsync(string projectId, string endpointId, string deliveryId, long nowMs, CancellationToken ct);
    Task<IReadOnlyList<ClaimedDelivery>> WebhookDeliveryClaimAsync(DeliveryClaim claim, CancellationToken ct);
    Task WebhookDeliveryRecordAsync(DeliveryAttempt attempt, CancellationToken ct);
    Task<long?> WebhookDeliveryNextDueAsync(CancellationToken ct);

    // :: Run steps
    Task<RunStep?> RunStepGetAsync(string projectId, string threadId, string runId, string stepId, CancellationToken ct);
    Task<Page<RunStep>> RunStepListAsync(string projectId, string threadId, string runId, PageRequest page, CancellationToken ct);
}
