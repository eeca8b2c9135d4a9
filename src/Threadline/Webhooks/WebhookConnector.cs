using System.Net;
using System.Net.Sockets;

namespace Threadline.Webhooks;

/// <summary>
/// The dispatcher's <see cref="SocketsHttpHandler.ConnectCallback"/>: it resolves the host itself and
/// connects only to addresses the <see cref="WebhookDestinationPolicy"/> allows. The check is on the
/// address actually connected to, so a name that resolved elsewhere when the endpoint was made (DNS
/// rebinding) gains nothing.
/// </summary>
internal sealed class WebhookConnector(WebhookDestinationPolicy policy)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
        var resolved = IPAddress.TryParse(NetworkRanges.NormalizeName(host), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = resolved.Where(a => policy.Allows(host, a)).ToArray();
        if (allowed.Length == 0)
            throw new WebhookDestinationRefusedException(host, resolved);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A delivery's host resolved only to addresses webhooks may not reach.</summary>
internal sealed class WebhookDestinationRefusedException(string host, IReadOnlyList<IPAddress> addresses)
    : Exception($"'{host}' ({string.Join(", ", addresses)}) is not a destination webhooks may reach: a link-local or metadata address, "
        + "or a private one while private networks are not allowed (Threadline:Webhooks:AllowPrivateNetworks, AllowedHosts).");
