using System.Text.Json;
using Threadline.Api;

namespace Threadline.Idempotency;

/// <summary>
/// What a replay of the current request answers in place of its response body. For a response that
/// shows something once (a new webhook secret): the record is kept for the retention window, and
/// must not keep that.
/// </summary>
internal sealed class ReplayBody(byte[] body)
{
    public byte[] Body { get; } = body;

    /// <summary>Makes <paramref name="value"/>, in the wire's JSON, what a replay of this request answers (when it succeeds).</summary>
    public static void Substitute<T>(HttpContext http, T value) =>
        http.Features.Set(new ReplayBody(JsonSerializer.SerializeToUtf8Bytes(value, WireJson.Info<T>())));
}
