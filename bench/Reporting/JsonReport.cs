using System.Text.Json;
using System.Text.Json.Serialization;

namespace Threadline.Bench.Reporting;

/// <summary>benchmarks.json: the whole report, snake_case, nulls where nothing was measured.</summary>
internal static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PreferredObjectCreationHandling = JsonObjectCreationHandling.Populate,
    };

    public static string Write(BenchReport report) => JsonSerializer.Serialize(report, Options) + "\n";

    public static BenchReport Read(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, Options) ?? throw new JsonException("benchmarks.json is empty.");
}
