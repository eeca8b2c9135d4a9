using System.Net;
using Threadline.Hosting;

namespace Threadline.Webhooks;

/// <summary>
/// Which destinations webhooks may reach, so that whoever holds an API key cannot make the server
/// reach into the operator's network: never link-local or metadata addresses; private ranges only
/// when <see cref="WebhookOptions.AllowPrivateNetworks"/> resolves to true; anything in
/// <see cref="WebhookOptions.AllowedHosts"/> whatever its range.
/// </summary>
internal sealed class WebhookDestinationPolicy
{
    private readonly bool _allowPrivate;
    private readonly HashSet<IPAddress> _allowedAddresses = [];
    private readonly HashSet<string> _allowedNames = [];

    public WebhookDestinationPolicy(WebhookOptions webhooks, ThreadlineOptions server)
    {
        // With auth off the server is loopback-only and its one user is the operator.
        _allowPrivate = webhooks.AllowPrivateNetworks ?? server.ApiKeys.Count == 0;
        foreach (var entry in webhooks.AllowedHosts)
        {
            var host = NetworkRanges.NormalizeName(entry);
            if (IPAddress.TryParse(host, out var address))
                _allowedAddresses.Add(NetworkRanges.Normalize(address));
            else
                _allowedNames.Add(host);
        }
    }

    /// <summary>Whether a connection for <paramref name="host"/> may go to <paramref name="address"/>, one of the addresses it resolved to.</summary>
    public bool Allows(string host, IPAddress address)
    {
        if (_allowedNames.Contains(NetworkRanges.NormalizeName(host)) || _allowedAddresses.Contains(NetworkRanges.Normalize(address)))
            return true;
        return NetworkRanges.Classify(address) switch
        {
            DestinationKind.Public => true,
            DestinationKind.Private => _allowPrivate,
            _ => false,
        };
    }

    /// <summary>
    /// Why an endpoint URL is refused when it is made or changed, or null: only what the URL shows
    /// (a literal address, a metadata name). Names are resolved, and checked, when a delivery connects.
    /// </summary>
    public string? Refusal(Uri url)
    {
        var host = NetworkRanges.NormalizeName(url.IdnHost);
        if (_allowedNames.Contains(host))
            return null;
        if (NetworkRanges.IsMetadataName(host))
            return $"'{url.Host}' names a cloud metadata service; webhooks are never delivered there.";
        if (!IPAddress.TryParse(host, out var address) || Allows(host, address))
            return null;
        return NetworkRanges.Classify(address) == DestinationKind.Forbidden
            ? $"'{url.Host}' is a link-local, metadata or reserved address; webhooks are never delivered there."
            : $"'{url.Host}' is a loopback or private-network address; this server does not deliver webhooks there.";
    }
}
