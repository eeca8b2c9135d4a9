namespace Threadline.Domain;

/// <summary>The one notion of "now": unix seconds on the wire, unix milliseconds for queue timing.</summary>
internal static class Clock
{
    public static long UnixSeconds(this TimeProvider time) => time.GetUtcNow().ToUnixTimeSeconds();
    public static long UnixMilliseconds(this TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
