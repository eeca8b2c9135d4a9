using System.Globalization;
using System.Net;
using Threadline.Domain;
using Threadline.Queue;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Webhooks;

/// <summary>
/// Delivers recorded events: at least once, with the same <c>webhook-id</c> on every attempt, in
/// order per thread and endpoint, at most <see cref="WebhookOptions.MaxConcurrentPerEndpoint"/> at a
/// time per endpoint across every process. It claims only what it can send now, each delivery
/// locked for one attempt; failures wait on the retry schedule (with jitter, or as
/// <c>Retry-After</c> asks); 410 Gone disables the endpoint. It sleeps until the next delivery is
/// due, a lock lapses, or the store announces new or unblocked deliveries.
/// </summary>
internal sealed partial class WebhookDispatcher(
    IStore store, IHttpClientFactory http, WebhookSecretProtector secrets, ProcessIdentity identity, WebhookOptions options, TimeProvider time,
    ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    public const string HttpClientName = "webhooks";

    /// <summary>What a lock covers beyond the attempt's own timeout: writing its result.</summary>
    private static readonly TimeSpan LockMargin = TimeSpan.FromSeconds(5);

    /// <summary>A deadline said a delivery was due and the claim found none (another process took it): look again shortly, never in a tight loop.</summary>
    private static readonly TimeSpan NothingAfterAll = TimeSpan.FromMilliseconds(50);

    private readonly WakeSignal _wake = store.Changes.Subscribe(ChangeTopic.Outbox);
    private readonly HashSet<Task> _attempts = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = (await RunOnceAsync(stoppingToken)).Next;
            }
            catch (StoreUnavailableException e) when (!stoppingToken.IsCancellationRequested)
            {
                // Expected while the database is away, so no stack; the listener's reconnection wakes the loop earlier.
                LogPassUnavailable(logger, e.InnerException?.Message ?? e.Message);
                wait = TimeSpan.FromSeconds(1);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, e);
                wait = TimeSpan.FromSeconds(1);
            }
            if (wait != TimeSpan.Zero)
                await _wake.WaitAsync(wait, time, stoppingToken);
        }
        Task[] running;
        lock (_attempts)
            running = [.. _attempts];
        await Task.WhenAll(running);
    }

    /// <summary>Starts the attempts that may be sent now; returns them and how long until a claim could find more.</summary>
    public async Task<(IReadOnlyList<Task> Started, TimeSpan Next)> RunOnceAsync(CancellationToken ct)
    {
        int free;
        lock (_attempts)
            free = options.MaxInFlight - _attempts.Count;
        var started = new List<Task>();
        if (free > 0)
        {
            var claim = new DeliveryClaim(identity.Owner, time.UnixMilliseconds(), (long)(options.Timeout + LockMargin).TotalMilliseconds,
                free, options.MaxConcurrentPerEndpoint);
            var claimed = await store.WriteAsync(s => s.Webhooks.WebhookDeliveryClaimAsync(claim), ct);
            foreach (var delivery in claimed)
                started.Add(Start(delivery, ct));
            if (claimed.Count == free)
                return (started, TimeSpan.Zero);
        }
        var nowMs = time.UnixMilliseconds();
        var deadlines = await store.ReadAsync(s => s.Webhooks.WebhookDeliveryDeadlinesGetAsync(nowMs, options.MaxConcurrentPerEndpoint), ct);
        var due = Math.Min(deadlines.NextDueAtMs ?? long.MaxValue, deadlines.NextLockLapseAtMs ?? long.MaxValue);
        if (due == long.MaxValue)
            return (started, Timeout.InfiniteTimeSpan);
        if (due <= nowMs)
            return (started, started.Count > 0 || free <= 0 ? Timeout.InfiniteTimeSpan : NothingAfterAll);
        return (started, TimeSpan.FromMilliseconds(Math.Min(due - nowMs, int.MaxValue)));
    }

    /// <summary>For tests: one pass, waiting for its attempts to finish.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var (started, _) = await RunOnceAsync(ct);
        await Task.WhenAll(started);
        return started.Count;
    }

    /// <summary>Runs the attempt in the background; its end frees a place and wakes the loop.</summary>
    private Task Start(ClaimedDelivery delivery, CancellationToken ct)
    {
        Task task = null!;
        lock (_attempts)
        {
            task = Task.Run(async () =>
            {
                try
                {
                    await AttemptAsync(delivery, ct);
                }
                finally
                {
                    lock (_attempts)
                        _attempts.Remove(task);
                    _wake.Wake();
                }
            }, CancellationToken.None);
            _attempts.Add(task);
        }
        return task;
    }

    /// <summary>One attempt; every failure of its own is recorded or logged, never thrown.</summary>
    private async Task AttemptAsync(ClaimedDelivery claimed, CancellationToken ct)
    {
        var (delivery, endpoint) = claimed;
        try
        {
            var attempt = await SendAsync(delivery, endpoint, ct);
            await store.WriteAsync(async s =>
            {
                await s.Webhooks.WebhookDeliveryRecordAsync(attempt);
                s.Announce(StoreChange.Outbox); // the thread's next event may go now
                return true;
            }, CancellationToken.None);
            LogAttempt(logger, delivery.EventId, endpoint.Id, attempt.Succeeded, attempt.StatusCode ?? 0, attempt.Error ?? "");
        }
        catch (Exception e)
        {
            // The lock lapses and the delivery is tried again: at least once, never lost.
            LogAttemptFailed(logger, delivery.EventId, endpoint.Id, e);
        }
    }

    private async Task<DeliveryAttempt> SendAsync(WebhookDelivery delivery, WebhookEndpoint endpoint, CancellationToken ct)
    {
        var nowMs = time.UnixMilliseconds();
        var timestamp = nowMs / 1000;
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(delivery.Payload) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", delivery.EventId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        try
        {
            request.Headers.Add("webhook-signature", WebhookSigner.Signatures(secrets.SigningSecrets(endpoint, nowMs), delivery.EventId, timestamp, delivery.Payload));
            using var timeout = new CancellationTokenSource(options.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return new DeliveryAttempt(delivery.Id, identity.Owner, time.UnixMilliseconds(), true, code, null, null, false);
            if (response.StatusCode == HttpStatusCode.Gone)
                return new DeliveryAttempt(delivery.Id, identity.Owner, time.UnixMilliseconds(), false, code, "410 Gone: endpoint disabled", null, true);
            return Retry(delivery, code, $"HTTP {code}", RetryAfter(response));
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            if (DeliveryErrors.Find<WebhookDestinationRefusedException>(e) is { } refused)
                LogDestinationRefused(logger, delivery.EventId, endpoint.Id, refused.Message);
            else if (e is System.Security.Cryptography.CryptographicException)
                LogSecretUnreadable(logger, delivery.EventId, endpoint.Id, e);
            else
                LogAttemptError(logger, delivery.EventId, endpoint.Id, e.Message);
            return Retry(delivery, null, DeliveryErrors.Describe(e, options.Timeout), null);
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

    [LoggerMessage(EventId = 601, Level = LogLevel.Error, Message = "Webhook dispatcher pass failed; trying again in a second")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "Webhook dispatcher pass: the database is unavailable ({Reason}); trying again in a second")]
    private static partial void LogPassUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 602, Level = LogLevel.Error, Message = "Webhook {EventId} to {EndpointId}: the attempt could not be recorded; it is tried again when its lock lapses")]
    private static partial void LogAttemptFailed(ILogger logger, string eventId, string endpointId, Exception exception);

    [LoggerMessage(EventId = 603, Level = LogLevel.Debug, Message = "Webhook {EventId} to {EndpointId}: the attempt failed: {Detail}")]
    private static partial void LogAttemptError(ILogger logger, string eventId, string endpointId, string detail);

    [LoggerMessage(EventId = 604, Level = LogLevel.Warning, Message = "Webhook {EventId} to {EndpointId} was not sent: {Reason}")]
    private static partial void LogDestinationRefused(ILogger logger, string eventId, string endpointId, string reason);

    [LoggerMessage(EventId = 605, Level = LogLevel.Error, Message = "Webhook {EventId} to {EndpointId} was not sent: the endpoint's secret cannot be decrypted (is Threadline:Webhooks:SecretKeyRing the key ring it was stored with?)")]
    private static partial void LogSecretUnreadable(ILogger logger, string eventId, string endpointId, Exception exception);
}
