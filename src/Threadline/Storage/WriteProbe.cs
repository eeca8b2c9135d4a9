using System.Security.Cryptography;

namespace Threadline.Storage;

/// <summary>
/// What <see cref="IStore.WriteProbeAsync"/> writes: one row, rewritten each time, carrying this
/// many random (incompressible) bytes. A probe of a few bytes may fit in a page or a WAL frame already
/// allocated and say "ready" while a real write (a message, a run) still finds no room; with some
/// headroom, ready means there is room for a few writes, so readiness does not flap at the edge.
/// </summary>
internal static class WriteProbe
{
    public const int HeadroomBytes = 64 * 1024;

    public static byte[] Headroom() => RandomNumberGenerator.GetBytes(HeadroomBytes);
}
