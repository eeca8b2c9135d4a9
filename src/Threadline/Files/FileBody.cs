using System.Buffers;

namespace Threadline.Files;

/// <summary>Copies an upload, counting, and past the limit keeps reading without keeping.</summary>
internal static class FileBody
{
    public static async Task<long> CopyAsync(Stream body, Stream output, long maxBytes, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    while (await body.ReadAsync(buffer, ct) > 0)
                    {
                    }
                    throw new FileTooLargeException(maxBytes);
                }
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
