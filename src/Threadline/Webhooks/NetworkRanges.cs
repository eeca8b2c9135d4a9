using System.Net;

namespace Threadline.Webhooks;

/// <summary>What kind of place an address is, as far as sending webhooks there goes.</summary>
internal enum DestinationKind
{
    Public,

    /// <summary>Loopback, RFC 1918, CGNAT (100.64/10) or IPv6 unique-local: the operator's own network.</summary>
    Private,

    /// <summary>Link-local (where cloud metadata services answer), a known metadata address, or no host at all (0.0.0.0, multicast).</summary>
    Forbidden,
}

/// <summary>The address ranges and names behind <see cref="DestinationKind"/>.</summary>
internal static class NetworkRanges
{
    private static readonly IPNetwork[] Forbidden =
    [
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("fe80::/10"),
        // Metadata services outside link-local, which the private ranges would let through with auth off.
        IPNetwork.Parse("100.100.100.200/32"), IPNetwork.Parse("192.0.0.192/32"), IPNetwork.Parse("fd00:ec2::254/128"),
        // Connecting to "this network" reaches the local host on Linux; multicast and broadcast are no receivers.
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("::/128"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"), IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork[] Private =
    [
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("fc00::/7"),
    ];

    /// <summary>Names of cloud metadata services (their addresses are <see cref="DestinationKind.Forbidden"/> too).</summary>
    private static readonly HashSet<string> MetadataNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    };

    /// <summary>NAT64's well-known prefix carries an IPv4 address that a NAT64 gateway connects to.</summary>
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    public static DestinationKind Classify(IPAddress address)
    {
        address = Normalize(address);
        return Forbidden.Any(n => n.Contains(address)) ? DestinationKind.Forbidden
            : Private.Any(n => n.Contains(address)) ? DestinationKind.Private
            : DestinationKind.Public;
    }

    public static bool IsMetadataName(string host) => MetadataNames.Contains(NormalizeName(host));

    /// <summary>The IPv4 address an IPv6 one stands for (v4-mapped, NAT64), so that one set of IPv4 ranges covers both.</summary>
    public static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && Nat64.Contains(address))
            return new IPAddress(address.GetAddressBytes()[12..]);
        return address;
    }

    /// <summary>A host as DNS compares it: lower case, without the root's trailing dot or an IPv6 literal's brackets.</summary>
    public static string NormalizeName(string host) => host.Trim().TrimStart('[').TrimEnd(']', '.').ToLowerInvariant();
}
