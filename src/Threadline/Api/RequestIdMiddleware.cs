namespace Threadline.Api;

/// <summary>
/// Gives every request an id, <c>x-request-id: req_...</c> on its response (the OpenAI SDKs expose it as
/// <c>request_id</c>) and in the log scope of everything logged while it runs, so that the id a user
/// reports finds the server's lines about it. The server makes the id: one sent by a client would let it
/// choose what lands in the log.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string Header = "x-request-id";

    public async Task InvokeAsync(HttpContext context)
    {
        var id = "req_" + Guid.NewGuid().ToString("N");
        // Set as the headers go out: an error answer clears the response's headers before it is written.
        context.Response.OnStarting(static state =>
        {
            var (response, value) = ((HttpResponse, string))state;
            response.Headers[Header] = value;
            return Task.CompletedTask;
        }, (context.Response, id));
        using (logger.BeginScope("x-request-id {XRequestId}", id))
            await next(context);
    }
}
