using System.Security.Cryptography;
using System.Text;

namespace WhatsAppBridge.Inbound;

/// <summary>
/// Meta signs every webhook with the app secret: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>.
/// The check runs on the bytes as received; re-serialised JSON would not match.
/// </summary>
internal static class MetaSignature
{
    public const string Header = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    public static bool IsValid(string? header, ReadOnlySpan<byte> body, string appSecret)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            return false;

        var hex = header.AsSpan(Prefix.Length).Trim();
        if (hex.Length != 2 * HMACSHA256.HashSizeInBytes)
            return false;

        Span<byte> claimed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(hex, claimed, out _, out _) != System.Buffers.OperationStatus.Done)
            return false;

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body, expected);

        // Constant time, so an attacker cannot find the signature byte by byte from response times.
        return CryptographicOperations.FixedTimeEquals(claimed, expected);
    }
}
