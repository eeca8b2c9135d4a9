using System.Security.Cryptography;
using System.Text;

namespace Threadline.Webhooks;

/// <summary>
/// Standard Webhooks v1: <c>webhook-signature</c> = <c>v1,</c> + base64 HMAC-SHA256 over
/// <c>{id}.{timestamp}.{body}</c>, keyed with the base64-decoded part of the <c>whsec_</c> secret.
/// During a rotation both secrets sign, separated by a space.
/// </summary>
internal static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public static bool IsValidSecret(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            return false;
        Span<byte> buffer = stackalloc byte[256];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], buffer, out var n) && n >= 16;
    }

    public static string Sign(string secret, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    /// <summary>The header's value: one signature per secret in effect (<see cref="WebhookSecretProtector.SigningSecrets"/>).</summary>
    public static string Signatures(IReadOnlyList<string> secrets, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var signatures = new string[secrets.Count];
        for (var i = 0; i < secrets.Count; i++)
            signatures[i] = Sign(secrets[i], messageId, timestamp, body);
        return string.Join(' ', signatures);
    }
}
