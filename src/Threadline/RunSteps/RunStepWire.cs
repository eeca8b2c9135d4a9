using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Runs;

namespace Threadline.RunSteps;

/// <summary>The <c>thread.run.step</c> object on the wire.</summary>
internal sealed record RunStepObject(
    string Id, long CreatedAt, string AssistantId, string ThreadId, string RunId, string Type, string Status,
    RawJson StepDetails, RunError? LastError, long? ExpiredAt, long? CancelledAt, long? FailedAt, long? CompletedAt,
    RawJson Metadata, Usage? Usage)
{
    [JsonPropertyOrder(-1)] public string Object => "thread.run.step";

    /// <summary>The query value that asks for the text of each file_search result.</summary>
    public const string IncludeSearchContent = "step_details.tool_calls[*].file_search.results[*].content";

    public static RunStepObject From(RunStep s) => From(s, includeSearchContent: false);

    /// <param name="includeSearchContent">Keep each file_search result's <c>content</c>: only when the request's <c>include[]</c> asked.</param>
    public static RunStepObject From(RunStep s, bool includeSearchContent) => new(
        s.Id, s.CreatedAt, s.AssistantId, s.ThreadId, s.RunId, s.Type, s.Status,
        includeSearchContent ? s.StepDetails : SearchContent.Without(s.StepDetails), s.LastError,
        s.ExpiredAt, s.CancelledAt, s.FailedAt, s.CompletedAt, s.Metadata, s.Usage);

    /// <summary>Whether the request's <c>include[]</c> (or <c>include</c>) asks for the results' content.</summary>
    public static bool AsksSearchContent(HttpRequest request) =>
        request.Query["include[]"].Concat(request.Query["include"]).Contains(IncludeSearchContent);
}
