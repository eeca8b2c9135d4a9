using Microsoft.AspNetCore.DataProtection;

namespace Threadline.Webhooks;

/// <summary>
/// Endpoint secrets at rest: stored as <c>enc:v1:</c> and a Data Protection payload, so that a copy of
/// the database alone does not give away the signing keys. Done here, not in SQL, so that every
/// storage dialect stores the same. Rows written before keep a plain <c>whsec_</c> secret, read as it is
/// and encrypted at the endpoint's next change.
/// </summary>
internal sealed class WebhookSecretProtector
{
    public const string Prefix = "enc:v1:";
    private const string Purpose = "Threadline.Webhooks.EndpointSecret.v1";

    private readonly IDataProtector _protector;

    public WebhookSecretProtector(IDataProtectionProvider provider, WebhookKeyRing keyRing)
    {
        _protector = provider.CreateProtector(Purpose);
        keyRing.Prepare(_protector);
    }

    public string Protect(string secret) => Prefix + _protector.Protect(secret);

    /// <summary>The stored form of a stored secret: as it is when encrypted, else encrypted now.</summary>
    public string Seal(string stored) => IsProtected(stored) ? stored : Protect(stored);

    /// <summary>The secret in plain text; a <see cref="System.Security.Cryptography.CryptographicException"/> when the key ring lacks its key.</summary>
    public string Reveal(string stored) => IsProtected(stored) ? _protector.Unprotect(stored[Prefix.Length..]) : stored;

    /// <summary>The secrets that sign now: the current one, and the previous one until its overlap ends.</summary>
    public IReadOnlyList<string> SigningSecrets(WebhookEndpoint endpoint, long nowMs) =>
        endpoint.PreviousSecret is { } previous && endpoint.PreviousSecretExpiresAtMs > nowMs
            ? [Reveal(endpoint.Secret), Reveal(previous)]
            : [Reveal(endpoint.Secret)];

    private static bool IsProtected(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);
}
