using System.Text.Json;

namespace Threadline.Api;

/// <summary>
/// Turns every failure into the OpenAI envelope: client errors with their status, anything
/// unexpected as a logged 500 with a generic text, never a bare error page.
/// </summary>
internal sealed partial class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Storage.StoreUnavailableException e)
        {
            // An outage, a failover or a full disk: the client is told to come back; the cause is logged without a stack per request.
            var error = StoreErrors.From(e);
            LogUnavailable(logger, context.Request.Method, context.Request.Path, error.Code!, e.InnerException?.Message ?? e.Message);
            await WriteAsync(context, error);
        }
        catch (Exception e)
        {
            if (e is not ApiException and not BadHttpRequestException)
                LogUnhandled(logger, context.Request.Method, context.Request.Path, e);
            await WriteAsync(context, Translate(e, context));
        }
    }

    /// <summary>The envelope for a failure: its own for client errors, a generic 500 for the rest (never internal text).</summary>
    public static ApiException Translate(Exception e, HttpContext context) => e switch
    {
        ApiException api => api,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } bad =>
            new ApiException(bad.StatusCode, "The request body is too large.", "invalid_request_error", null, "request_too_large"),
        BadHttpRequestException bad => new ApiException(bad.StatusCode, bad.Message, "invalid_request_error"),
        Storage.StoreUnavailableException unavailable => StoreErrors.From(unavailable),
        _ => new ApiException(StatusCodes.Status500InternalServerError,
            "The server had an error while processing your request. Sorry about that!", "server_error"),
    };

    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted)
            return;
        // The clear drops headers too: the error's own are set after it.
        context.Response.Clear();
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        if (error.RetryAfter is { } after)
        {
            // The OpenAI SDKs read the milliseconds first; other clients know the standard header, in whole seconds.
            context.Response.Headers["retry-after-ms"] = ((long)Math.Ceiling(after.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await JsonSerializer.SerializeAsync(context.Response.Body, ErrorEnvelope.From(error), WireJson.Info<ErrorEnvelope>());
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 {Code} ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string code, string reason);

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
