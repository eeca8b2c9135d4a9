using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Threadline.FakeUpstream;

/// <summary>
/// <c>POST /v1/embeddings</c>: a deterministic unit vector per input (from its SHA-256), so a test can
/// compute the expected vector with <see cref="VectorFor"/>. <c>dimensions</c> is honoured (default 8, or the
/// standalone fake's <c>--embedding-dimensions</c>);
/// <c>encoding_format: base64</c> (what the OpenAI .NET SDK asks for) as little-endian float32.
/// </summary>
public static class EmbeddingsWire
{
    public const int DefaultDimensions = 8;

    public static float[] VectorFor(string input, int dimensions = DefaultDimensions)
    {
        var vector = new float[dimensions];
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(input));
        for (var i = 0; i < dimensions; i++)
            vector[i] = seed[i % seed.Length] / 127.5f - 1f + i * 1e-3f;
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < dimensions; i++)
            vector[i] /= norm;
        return vector;
    }

    /// <summary>The response body, or null when the request has no string input.</summary>
    internal static string? Answer(JsonNode? body, int defaultDimensions = DefaultDimensions)
    {
        var inputs = body?["input"] switch
        {
            JsonValue one when one.TryGetValue<string>(out var s) => [s],
            JsonArray many when many.All(n => n is JsonValue v && v.TryGetValue<string>(out _)) => many.Select(n => n!.GetValue<string>()).ToList(),
            _ => null as List<string>,
        };
        if (inputs is null || inputs.Count == 0) return null;

        var dimensions = body!["dimensions"]?.GetValue<int>() ?? defaultDimensions;
        var base64 = body["encoding_format"]?.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = VectorFor(inputs[i], dimensions);
            JsonNode embedding = base64
                ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()))
                : new JsonArray(vector.Select(v => (JsonNode)v).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        var tokens = inputs.Sum(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = body["model"]?.GetValue<string>() ?? "",
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        }.ToJsonString();
    }
}
