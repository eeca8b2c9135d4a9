using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WhatsAppBridge.Threadline;

/// <summary>
/// Verifies Threadline's webhooks per Standard Webhooks v1: <c>webhook-signature</c> holds one or more
/// space-separated <c>v1,&lt;base64 HMAC-SHA256&gt;</c> (two while the endpoint's secret rotates), each over
/// <c>{webhook-id}.{webhook-timestamp}.{raw body}</c>, keyed with the base64-decoded part of the
/// <c>whsec_</c> secret. The timestamp is signed too, so refusing old ones stops an eavesdropper from
/// replaying a captured request later.
/// </summary>
internal sealed class StandardWebhookSignature
{
    private const string SecretPrefix = "whsec_";
    private const string VersionPrefix = "v1,";

    private readonly byte[] _key;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public StandardWebhookSignature(string secret, TimeSpan tolerance, TimeProvider time)
    {
        _key = Convert.FromBase64String(StripPrefix(secret));
        _tolerance = tolerance;
        _time = time;
    }

    public static bool IsValidSecret(string secret)
    {
        if (string.IsNullOrEmpty(secret))
            return false;
        var encoded = StripPrefix(secret);
        return Base64.IsValid(encoded, out var length) && length >= 16;
    }

    /// <summary>Null when the request is authentic and fresh; otherwise why not (for the log, never for the caller).</summary>
    public string? Check(string? webhookId, string? timestamp, string? signatures, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
            return "missing webhook-id, webhook-timestamp or webhook-signature";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return "webhook-timestamp is not a number of seconds";

        // Too old is a replay; too far ahead is a clock problem or a forgery prepared in advance.
        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (age > _tolerance || age < -_tolerance)
            return $"webhook-timestamp is {age.TotalSeconds:F0} s away from now";

        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, signed, expected);

        Span<byte> claimed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!candidate.StartsWith(VersionPrefix, StringComparison.Ordinal))
                continue; // a future signature version: not ours to judge
            if (Convert.TryFromBase64String(candidate[VersionPrefix.Length..], claimed, out var written)
                && written == claimed.Length
                && CryptographicOperations.FixedTimeEquals(claimed, expected))
            {
                return null;
            }
        }

        return "no v1 signature matches";
    }

    private static string StripPrefix(string secret) =>
        secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
}
