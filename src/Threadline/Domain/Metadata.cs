namespace Threadline.Domain;

internal static class Metadata
{
    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
