using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Threadline.Domain;
using Threadline.Queue;
using Threadline.Storage;

namespace Threadline.Webhooks;

/// <summary>
/// Delivers recorded events: at least once, with the same <c>webhook-id</c> on every attempt, in
/// order per thread and endpoint, a bounded number at a time per endpoint. Failures wait on the
/// retry schedule (with jitter, or as <c>Retry-After</c> asks); 410 Gone disables the endpoint.
/// </summary>
internal sealed partial class WebhookDispatcher(
    IThreadlineStore store, IHttpClientFactory http, DeliverySignal signal, ProcessIdentity identity,
    WebhookOptions options, TimeProvider time, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private const int ClaimBatch = 64;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perEndpoint = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.PollInterval;
            try
            {
                var (started, next) = await RunOnceAsync(stoppingToken);
                _ = Task.WhenAll(started).ContinueWith(_ => signal.Wake(), TaskScheduler.Default);
                wait = started.Count == ClaimBatch ? TimeSpan.Zero : next;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, e);
            }
            await signal.WaitAsync(wait, time, stoppingToken);
        }
    }

    /// <summary>Starts every due delivery; returns the attempts under way and how long until the next is due.</summary>
    public async Task<(IReadOnlyList<Task> Started, TimeSpan Next)> RunOnceAsync(CancellationToken ct)
    {
        // Long enough for an attempt that first waits its turn at the endpoint; after a crash, the
        // next process retries once it lapses.
        var lockMs = (long)(options.Timeout.TotalMilliseconds * 4);
        var claimed = await store.WebhookDeliveryClaimAsync(new DeliveryClaim(identity.Owner, time.UnixMilliseconds(), lockMs, ClaimBatch), ct);
        var started = claimed.Select(d => AttemptAsync(d, ct)).ToList();
        var nextDue = await store.WebhookDeliveryNextDueAsync(ct);
        var next = options.PollInterval;
        if (nextDue is { } at)
        {
            var until = TimeSpan.FromMilliseconds(Math.Max(0, at - time.UnixMilliseconds()));
            if (until < next)
                next = until;
        }
        return (started, next);
    }

    /// <summary>For tests: one pass, waiting for its attempts to finish.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var (started, _) = await RunOnceAsync(ct);
        await Task.WhenAll(started);
        return started.Count;
    }

    private async Task AttemptAsync(ClaimedDelivery claimed, CancellationToken ct)
    {
        var (delivery, endpoint) = claimed;
        var gate = _perEndpoint.GetOrAdd(endpoint.Id, _ => new SemaphoreSlim(options.MaxConcurrentPerEndpoint));
        await gate.WaitAsync(ct);
        try
        {
            var nowMs = time.UnixMilliseconds();
            var timestamp = nowMs / 1000;
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new ByteArrayContent(delivery.Payload),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("webhook-id", delivery.EventId);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSigner.Signatures(endpoint, delivery.EventId, timestamp, delivery.Payload, nowMs));

            DeliveryAttempt attempt;
            try
            {
                using var timeout = new CancellationTokenSource(options.Timeout, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
                var code = (int)response.StatusCode;
                attempt = response.IsSuccessStatusCode
                    ? new DeliveryAttempt(delivery.Id, identity.Owner, time.UnixMilliseconds(), true, code, null, null, false)
                    : response.StatusCode == HttpStatusCode.Gone
                        ? new DeliveryAttempt(delivery.Id, identity.Owner, time.UnixMilliseconds(), false, code, "410 Gone: endpoint disabled", null, true)
                        : Retry(delivery, code, $"HTTP {code}", RetryAfter(response));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                attempt = Retry(delivery, null, e is OperationCanceledException ? $"no answer within {options.Timeout.TotalSeconds} s" : e.Message, null);
            }
            await store.WebhookDeliveryRecordAsync(attempt, CancellationToken.None);
            LogAttempt(logger, delivery.EventId, endpoint.Id, attempt.Succeeded, attempt.StatusCode ?? 0, attempt.Error ?? "");
        }
        finally
        {
            gate.Release();
        }
    }

    private DeliveryAttempt Retry(WebhookDelivery delivery, int? code, string error, TimeSpan? retryAfter)
    {
        var nowMs = time.UnixMilliseconds();
        if (delivery.Attempts >= options.Schedule.Count)
            return new DeliveryAttempt(delivery.Id, identity.Owner, nowMs, false, code, error + "; gave up after the last retry", null, false);
        var wait = retryAfter ?? Jittered(options.Schedule[delivery.Attempts]);
        return new DeliveryAttempt(delivery.Id, identity.Owner, nowMs, false, code, error, nowMs + (long)wait.TotalMilliseconds, false);
    }

    private static TimeSpan Jittered(TimeSpan wait) => wait * (0.8 + Random.Shared.NextDouble() * 0.4);

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var after = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        if (after is not { } a)
            return null;
        var cap = TimeSpan.FromHours(24);
        return a < TimeSpan.Zero ? TimeSpan.Zero : a > cap ? cap : a;
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "Webhook {EventId} to {EndpointId}: delivered={Succeeded} status={Status} {Error}")]
    private static partial void LogAttempt(ILogger logger, string eventId, string endpointId, bool succeeded, int status, string error);

    [LoggerMessage(EventId = 601, Level = LogLevel.Error, Message = "Webhook dispatcher pass failed; trying again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
