namespace Threadline.Storage;

/// <summary>
/// A cursor page: <paramref name="After"/> and <paramref name="Before"/> are object ids whose
/// position (a sequence, never a timestamp) bounds the page.
/// </summary>
internal sealed record PageRequest(int Limit, bool Descending, string? After, string? Before)
{
    public static readonly PageRequest All = new(int.MaxValue - 1, false, null, null);
}

internal sealed record Page<T>(IReadOnlyList<T> Items, bool HasMore)
{
    public static readonly Page<T> Empty = new([], false);
}
