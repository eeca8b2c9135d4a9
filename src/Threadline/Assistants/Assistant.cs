using Threadline.Domain;

namespace Threadline.Assistants;

/// <summary>An assistant: a model with instructions and tools. Tool definitions are kept as given.</summary>
internal sealed record Assistant
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public required string Model { get; init; }
    public string? Instructions { get; init; }
    public required RawJson Tools { get; init; }
    public RawJson ToolResources { get; init; } = RawJson.Null;
    public required RawJson Metadata { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public RawJson ResponseFormat { get; init; } = RawJson.Null;
    public string? ReasoningEffort { get; init; }

    /// <summary>
    /// The settings a response starts from (the Responses API has no assistants): no instructions, no
    /// tools, the model's own sampling; its id is empty, which is what the Assistants API shows of such a run.
    /// </summary>
    public static Assistant None(string projectId) => new()
    {
        Id = "", ProjectId = projectId, CreatedAt = 0, Model = "", Tools = RawJson.EmptyArray, Metadata = RawJson.EmptyObject,
    };
}
