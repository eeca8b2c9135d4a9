namespace WhatsAppBridge;

internal static class RawBody
{
    /// <summary>
    /// The request body exactly as sent. Both webhooks are signed over their raw bytes, so they are
    /// verified before (and independently of) any JSON parsing.
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }
}
