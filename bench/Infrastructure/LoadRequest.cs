namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The request a closed-loop load sends over and over, described once so that every load generator
/// (wrk or the harness's own client) sends the same bytes to every system of a scenario.
/// </summary>
/// <param name="Method">GET or POST.</param>
/// <param name="PathTemplate">Relative to the server's root (<c>v1/threads/{id}/messages</c>); <c>{id}</c> takes a random one of <see cref="Ids"/>.</param>
/// <param name="Body">The JSON body, or null.</param>
internal sealed record LoadRequest(string Method, string PathTemplate, string? Body)
{
    public IReadOnlyList<string> Ids { get; init; } = [];

    /// <summary>A unique <c>Idempotency-Key</c> header on every request.</summary>
    public bool IdempotencyKeys { get; init; }

    /// <summary>Collect the <c>id</c> of every 2xx answer, warm-up included (for a durability check).</summary>
    public bool CaptureIds { get; init; }

    public string PathFor(Random random) =>
        Ids.Count == 0 ? PathTemplate : PathTemplate.Replace("{id}", Ids[random.Next(Ids.Count)], StringComparison.Ordinal);
}
