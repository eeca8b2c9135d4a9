using Threadline.Domain;

namespace Threadline.Assistants;

/// <summary>An assistant's settings as a request gave them, validated; null means "not given" (modify keeps the current value).</summary>
internal sealed record AssistantSettings
{
    public string? Model { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Instructions { get; init; }
    public string? ReasoningEffort { get; init; }
    public RawJson? Tools { get; init; }
    public RawJson? ToolResources { get; init; }
    public RawJson? Metadata { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public RawJson? ResponseFormat { get; init; }
}
