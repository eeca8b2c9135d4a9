using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Domain;

namespace Threadline.Assistants;

/// <summary>The <c>assistant</c> object on the wire.</summary>
internal sealed record AssistantObject(
    string Id, long CreatedAt, string? Name, string? Description, string Model, string? Instructions,
    RawJson Tools, RawJson ToolResources, RawJson Metadata, double? Temperature, double? TopP, RawJson ResponseFormat)
{
    [JsonPropertyOrder(-1)] public string Object => "assistant";

    public static AssistantObject From(Assistant a) => new(
        a.Id, a.CreatedAt, a.Name, a.Description, a.Model, a.Instructions, a.Tools, a.ToolResources, a.Metadata,
        a.Temperature ?? 1.0, a.TopP ?? 1.0, a.ResponseFormat.IsNull ? WireDefaults.Auto : a.ResponseFormat);
}

/// <summary>Body of create assistant and, every field optional, of modify assistant.</summary>
internal sealed class AssistantRequest
{
    public string? Model { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Instructions { get; init; }
    public string? ReasoningEffort { get; init; }
    public JsonArray? Tools { get; init; }
    public JsonObject? ToolResources { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public JsonNode? ResponseFormat { get; init; }
}

internal sealed record DeletedObject(string Id, [property: JsonPropertyOrder(1)] string Object, [property: JsonPropertyOrder(2)] bool Deleted);

/// <summary>Values the hosted API reports when a setting was never given.</summary>
internal static class WireDefaults
{
    public static readonly RawJson Auto = RawJson.Trusted("\"auto\"");
}
