using System.Security.Cryptography;
using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on POST (Stripe's semantics): the same key and body within the retention
/// window replay the first 2xx response, status, headers and body, without doing the work again;
/// another body answers 422; a retry while the first request runs answers 409. Keys are scoped
/// to the project and the operation (method and path). Non-2xx answers change nothing, so they
/// release the key for a retry.
/// </summary>
internal sealed class IdempotencyMiddleware(RequestDelegate next, IThreadlineStore store, IdempotencyOptions options, TimeProvider time)
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
        var begun = await store.IdempotencyBeginAsync(new IdempotencyBegin(project, operation, key, hash, time.UnixMilliseconds(),
            (long)options.InFlightLock.TotalMilliseconds, (long)options.Retention.TotalMilliseconds), http.RequestAborted);
        switch (begun.Outcome)
        {
            case IdempotencyOutcome.Mismatch:
                throw ApiException.Unprocessable($"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.", "idempotency_key_reused");
            case IdempotencyOutcome.InFlight:
                throw ApiException.Conflict($"A request with the idempotency key '{key}' is still being processed. Retry after it has finished.", "idempotency_key_in_use");
            case IdempotencyOutcome.Replay:
                await ReplayAsync(http, begun.Response!);
                return;
        }

        // :: Do the work, keeping a copy of what is written.
        var original = http.Response.Body;
        var copy = new MemoryStream();
        http.Response.Body = new TeeStream(original, copy);
        try
        {
            await next(http);
        }
        catch
        {
            await store.IdempotencyReleaseAsync(project, operation, key, CancellationToken.None);
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode is >= 200 and < 300)
        {
            var headers = RecordedHeaders.Where(h => http.Response.Headers.ContainsKey(h)).ToDictionary(h => h, h => http.Response.Headers[h].ToString());
            await store.IdempotencyCompleteAsync(new IdempotencyComplete(project, operation, key,
                new RecordedResponse(http.Response.StatusCode, headers, copy.ToArray())), CancellationToken.None);
        }
        else
        {
            await store.IdempotencyReleaseAsync(project, operation, key, CancellationToken.None);
        }
    }

    private static async Task ReplayAsync(HttpContext http, RecordedResponse response)
    {
        http.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
            http.Response.Headers[name] = value;
        http.Response.Headers[ReplayedHeader] = "true";
        await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
    }
}
