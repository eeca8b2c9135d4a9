using System.Security.Cryptography;
using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;
using Threadline.Queue;
using Threadline.Storage;
using Threadline.Storage.Drivers;

namespace Threadline.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on POST (Stripe's semantics): the same key and body within the retention
/// window replay the first response, status, headers and body, without doing the work again;
/// another body answers 422; a retry while the first request runs answers 409. Keys are scoped to
/// the project and the operation (method and path). The key is taken inside the transaction of the
/// request's work (<see cref="IdempotencyScope"/>), so work and key commit together; the response is
/// recorded after it in one more write. A request that fails before doing any work leaves no key. A
/// response that shows something once (a webhook secret) is recorded as its <see cref="ReplayBody"/>.
/// </summary>
internal sealed partial class IdempotencyMiddleware(
    RequestDelegate next, IStore store, IdempotencyOptions options, LeaseKeeper keeper, ProcessIdentity identity, TimeProvider time,
    ILogger<IdempotencyMiddleware> logger)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Headers worth replaying besides the body.</summary>
    private static readonly string[] RecordedHeaders = ["Content-Type", Runs.RunEndpoints.JoinedHeader, Runs.RunEndpoints.PollAfterHeader];

    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Headers.TryGetValue(Header, out var raw))
        {
            await next(http);
            return;
        }
        var key = raw.ToString();
        if (key.Length is 0 or > IdempotencyOptions.MaxKeyLength)
            throw ApiException.Invalid($"The {Header} header must be 1 to {IdempotencyOptions.MaxKeyLength} characters long.", Header, "invalid_idempotency_key");

        // :: Hash the body, then let the endpoint read it again.
        http.Request.EnableBuffering();
        var hash = Convert.ToHexString(await SHA256.HashDataAsync(http.Request.Body, http.RequestAborted));
        http.Request.Body.Position = 0;

        var project = http.ProjectId();
        var operation = $"{http.Request.Method} {http.Request.Path}";
        if (await AnswerFromRecordAsync(http, project, operation, key, hash))
            return;

        // :: Do the work, keeping a copy of what is written; the first write takes the key.
        var scope = new IdempotencyScope
        {
            ProjectId = project, Operation = operation, Key = key, RequestHash = hash, Owner = identity.Owner,
            LockMs = (long)options.InFlightLock.TotalMilliseconds, RetentionMs = (long)options.Retention.TotalMilliseconds,
        };
        var original = http.Response.Body;
        var copy = new MemoryStream();
        http.Response.Body = new TeeStream(original, copy);
        IdempotencyScope.Current = scope;
        keeper.KeyHeld(true);
        try
        {
            await next(http);
        }
        catch (IdempotencyKeyTakenException)
        {
            // A copy of this request took the key first (in this process or another): nothing was done here.
            http.Response.Body = original;
            if (!await AnswerFromRecordAsync(http, project, operation, key, hash))
                throw InUse(key);
            return;
        }
        catch (Exception e) when (scope.Committed && e is not StoreUnavailableException && !http.RequestAborted.IsCancellationRequested)
        {
            // The work was done: its failure afterwards is the answer a retry gets too. Not an outage's 503: a
            // retry that replayed it would be told to retry for as long as the key is kept; unrecorded, the key's
            // lock lapses and a retry learns the request was interrupted.
            if (e is not ApiException)
                LogFailedAfterWork(logger, operation, e);
            await ErrorMiddleware.WriteAsync(http, ErrorMiddleware.Translate(e, http));
        }
        finally
        {
            IdempotencyScope.Current = null;
            keeper.KeyHeld(false);
            http.Response.Body = original;
        }

        if (scope.Committed || http.Response.StatusCode is >= 200 and < 300)
        {
            var headers = RecordedHeaders.Where(h => http.Response.Headers.ContainsKey(h)).ToDictionary(h => h, h => http.Response.Headers[h].ToString());
            var substitute = http.Response.StatusCode is >= 200 and < 300 ? http.Features.Get<ReplayBody>()?.Body : null;
            var response = new RecordedResponse(http.Response.StatusCode, headers, substitute ?? copy.ToArray());
            await store.WriteAsync(async s =>
            {
                await s.Idempotency.IdempotencyCompleteAsync(new IdempotencyComplete(project, operation, key, hash, scope.Token, s.NowMs,
                    (long)options.Retention.TotalMilliseconds, response));
                return true;
            }, CancellationToken.None);
        }
    }

    /// <summary>Answers from the key's record when it has one: a replay, 422 for another body, 409 while in flight.</summary>
    private async Task<bool> AnswerFromRecordAsync(HttpContext http, string project, string operation, string key, string hash)
    {
        var record = await store.ReadAsync(s => s.Idempotency.IdempotencyGetAsync(project, operation, key), http.RequestAborted);
        var nowMs = time.UnixMilliseconds();
        if (record is null || record.ExpiresAtMs <= nowMs)
            return false;
        if (record.RequestHash != hash)
            throw ApiException.Unprocessable($"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.", "idempotency_key_reused");
        if (record is { Done: true, Response: { } response })
        {
            await ReplayAsync(http, response);
            return true;
        }
        if (record.LockedUntilMs > nowMs)
            throw InUse(key);
        throw ApiException.Conflict(
            $"The request with the idempotency key '{key}' was interrupted after its work was done; its response was not recorded and cannot be replayed. Use another key to make a new request.",
            "idempotency_key_interrupted");
    }

    /// <summary>
    /// Most requests take well under a second; a client that comes back after one usually gets the replay,
    /// and one that comes back too early is told again, at little cost.
    /// </summary>
    private static readonly TimeSpan InUseRetryAfter = TimeSpan.FromSeconds(1);

    private static ApiException InUse(string key) =>
        new(StatusCodes.Status409Conflict, $"A request with the idempotency key '{key}' is still being processed. Retry after it has finished.",
            "invalid_request_error", null, "idempotency_key_in_use") { RetryAfter = InUseRetryAfter };

    private static async Task ReplayAsync(HttpContext http, RecordedResponse response)
    {
        http.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
            http.Response.Headers[name] = value;
        http.Response.Headers[ReplayedHeader] = "true";
        await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Error, Message = "{Operation} failed after its work was committed under an idempotency key; the failure is recorded as the key's answer")]
    private static partial void LogFailedAfterWork(ILogger logger, string operation, Exception exception);
}
