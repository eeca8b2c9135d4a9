using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using WhatsAppBridge.Threadline;

namespace WhatsAppBridge.Inbound;

/// <summary>
/// Meta's side: <c>GET /webhook</c> answers the subscription handshake, <c>POST /webhook</c> takes
/// the messages users send.
/// </summary>
internal static partial class MetaWebhookEndpoints
{
    public static IEndpointRouteBuilder MapMetaWebhook(this IEndpointRouteBuilder app)
    {
        app.MapGet("/webhook", Verify);
        app.MapPost("/webhook", ReceiveAsync);
        return app;
    }

    /// <summary>
    /// When the webhook is registered, Meta calls <c>?hub.mode=subscribe&amp;hub.verify_token=...&amp;hub.challenge=...</c>
    /// and expects the challenge back, as is, only if the token is the one typed into the dashboard.
    /// </summary>
    private static IResult Verify(HttpRequest request, IOptions<BridgeOptions> options)
    {
        var mode = request.Query["hub.mode"].ToString();
        var token = request.Query["hub.verify_token"].ToString();
        var challenge = request.Query["hub.challenge"].ToString();
        var tokenMatches = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(options.Value.VerifyToken));
        return mode == "subscribe" && tokenMatches && challenge.Length > 0
            ? Results.Text(challenge, "text/plain")
            : Results.StatusCode(StatusCodes.Status403Forbidden);
    }

    /// <summary>
    /// Verifies the signature, then hands each text message to Threadline with one call, in the order
    /// Meta listed them, and only then answers 200.
    /// </summary>
    /// <remarks>
    /// The Threadline call is quick (it stores the message and starts or joins a debounced run; the
    /// model runs later), so it is made before answering: a 200 then means the message is durably
    /// queued, and anything short of that answers 503 so that Meta redelivers. Redeliveries are safe
    /// because each call carries <c>Idempotency-Key: &lt;wamid&gt;</c>. Handing messages to an in-memory
    /// queue and answering at once would lose them on a crash.
    /// </remarks>
    private static async Task<IResult> ReceiveAsync(HttpRequest request, IOptions<BridgeOptions> options, ThreadlineClient threadline, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(MetaWebhookEndpoints).FullName!);
        var body = await RawBody.ReadAsync(request, request.HttpContext.RequestAborted);
        if (!MetaSignature.IsValid(request.Headers[MetaSignature.Header].ToString(), body, options.Value.AppSecret))
        {
            LogBadSignature(logger);
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }

        var webhook = WhatsAppWebhook.TryParse(body);
        if (webhook is null)
        {
            // Signed by Meta, yet not a payload we understand: a redelivery would not change that.
            LogUnreadable(logger);
            return Results.Ok();
        }

        foreach (var message in webhook.TextMessages())
        {
            var result = await threadline.CreateThreadAndRunAsync(message, request.HttpContext.RequestAborted);
            if (result.Outcome == ForwardOutcome.Unavailable)
            {
                // Stop here: Meta redelivers the whole webhook; the messages already taken replay.
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
        }

        return Results.Ok();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "POST /webhook with a missing or wrong X-Hub-Signature-256; refused")]
    private static partial void LogBadSignature(ILogger logger);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "POST /webhook: signed body is not a WhatsApp payload; ignored")]
    private static partial void LogUnreadable(ILogger logger);
}
