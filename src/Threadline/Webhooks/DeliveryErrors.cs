using System.Security.Cryptography;

namespace Threadline.Webhooks;

/// <summary>
/// How a failed attempt is described to API callers: in a few coarse words. The exact network error
/// (refused, unreachable, no route, which address) would let anyone with an API key map the networks
/// the server can see; it goes to the server's log instead.
/// </summary>
internal static class DeliveryErrors
{
    public const string CouldNotConnect = "could not connect";

    public static string Describe(Exception e, TimeSpan timeout) => e switch
    {
        OperationCanceledException => $"no answer within {timeout.TotalSeconds} s",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS handshake failed",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError } => CouldNotConnect,
        HttpRequestException when Find<WebhookDestinationRefusedException>(e) is not null => CouldNotConnect,
        HttpRequestException => "the connection failed before a complete answer",
        CryptographicException => "the endpoint's secret cannot be decrypted with this server's key ring",
        _ => "the attempt failed",
    };

    public static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T found)
                return found;
        return null;
    }
}
