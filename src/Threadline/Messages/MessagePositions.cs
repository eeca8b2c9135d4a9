namespace Threadline.Messages;

/// <summary>
/// Where messages sit in a thread. A message added through the API takes the thread's next slot,
/// at <c>slot × Spacing</c>; a run that started when the thread's last slot was N sees every
/// message below <c>(N + 1) × Spacing</c>, and its reply takes the position right after the last
/// of them (I4), so it stays before the messages that arrived while it worked.
/// </summary>
internal static class MessagePositions
{
    public const long Spacing = 1 << 16;

    public static long OfSlot(long slot) => slot * Spacing;

    /// <summary>The first position a run that started at slot <paramref name="contextSlot"/> does not see.</summary>
    public static long ContextEnd(long contextSlot) => (contextSlot + 1) * Spacing;
}
