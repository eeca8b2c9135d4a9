using System.Net;
using Threadline.Auth;
using Threadline.Hosting;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// The destination rules under each configuration: the default follows auth, <c>AllowPrivateNetworks</c>
/// overrides it either way, <c>AllowedHosts</c> opens single hosts (by name or address) whatever their
/// range, and nothing opens link-local or metadata addresses but <c>AllowedHosts</c>.
/// </summary>
public sealed class DestinationPolicyTests
{
    private static WebhookDestinationPolicy Policy(bool keys, bool? allowPrivate = null, params string[] allowed) => new(
        new WebhookOptions { AllowPrivateNetworks = allowPrivate, AllowedHosts = [.. allowed] },
        new ThreadlineOptions { ApiKeys = keys ? [new ApiKeyOptions { Key = "k" }] : [] });

    [Theory]
    [InlineData("10.1.2.3", true, false)]
    [InlineData("127.0.0.1", true, false)]
    [InlineData("::1", true, false)]
    [InlineData("fd12:3456::1", true, false)]
    [InlineData("100.64.1.1", true, false)]
    [InlineData("64:ff9b::a00:1", true, false)]      // 10.0.0.1 through NAT64
    [InlineData("::ffff:192.168.0.1", true, false)]
    [InlineData("169.254.169.254", false, false)]
    [InlineData("fd00:ec2::254", false, false)]
    [InlineData("100.100.100.200", false, false)]
    [InlineData("64:ff9b::a9fe:a9fe", false, false)]  // 169.254.169.254 through NAT64
    [InlineData("0.0.0.0", false, false)]
    [InlineData("224.0.0.1", false, false)]
    [InlineData("8.8.8.8", true, true)]
    [InlineData("2606:4700::1111", true, true)]
    public void By_default_private_addresses_are_allowed_only_with_auth_off(string address, bool authOff, bool withKeys)
    {
        var ip = IPAddress.Parse(address);
        Assert.Equal(authOff, Policy(keys: false).Allows("receiver", ip));
        Assert.Equal(withKeys, Policy(keys: true).Allows("receiver", ip));
    }

    [Fact]
    public void AllowPrivateNetworks_overrides_the_default_either_way_but_never_opens_link_local()
    {
        Assert.True(Policy(keys: true, allowPrivate: true).Allows("receiver", IPAddress.Parse("10.0.0.1")));
        Assert.False(Policy(keys: false, allowPrivate: false).Allows("receiver", IPAddress.Loopback));
        Assert.False(Policy(keys: true, allowPrivate: true).Allows("receiver", IPAddress.Parse("169.254.169.254")));
        Assert.NotNull(Policy(keys: false, allowPrivate: true).Refusal(new Uri("http://169.254.169.254/")));
    }

    [Fact]
    public void AllowedHosts_open_one_host_by_name_or_by_address()
    {
        var policy = Policy(keys: true, null, "127.0.0.1", "Receiver.Internal.", "::ffff:10.9.9.9");
        Assert.True(policy.Allows("anything", IPAddress.Loopback));
        Assert.True(policy.Allows("anything", IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.True(policy.Allows("anything", IPAddress.Parse("10.9.9.9")));
        Assert.False(policy.Allows("anything", IPAddress.Parse("127.0.0.2")));
        Assert.True(policy.Allows("receiver.internal", IPAddress.Parse("10.1.1.1")));
        Assert.Null(policy.Refusal(new Uri("http://127.0.0.1:8080/hooks")));
        Assert.Null(policy.Refusal(new Uri("http://receiver.internal/hooks")));
        Assert.NotNull(policy.Refusal(new Uri("http://10.0.0.1/hooks")));
    }

    [Theory]
    [InlineData("http://[::ffff:a9fe:a9fe]/")]
    [InlineData("http://2852039166/")]
    [InlineData("http://metadata/computeMetadata/v1/")]
    [InlineData("http://instance-data.ec2.internal/latest/")]
    public void A_url_naming_a_metadata_service_is_refused_even_with_auth_off(string url) =>
        Assert.NotNull(Policy(keys: false).Refusal(new Uri(url)));
}
