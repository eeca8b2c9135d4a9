using Threadline.Api;
using Threadline.Auth;
using Threadline.Domain;

namespace Threadline.Assistants;

internal static class AssistantEndpoints
{
    /// <summary>Model names are bounded: they key the model router's clients.</summary>
    public const int ModelMaxLength = 256;

    public static void MapAssistants(this IEndpointRouteBuilder api)
    {
        api.MapPost("/assistants", async (HttpContext http, AssistantService assistants) =>
        {
            var request = await RequestBody.ReadAsync<AssistantRequest>(http.Request);
            Validate.NonEmpty(request.Model, "model");
            var created = await assistants.CreateAsync(http.ProjectId(), Settings(request), http.RequestAborted);
            return Wire.Json(AssistantObject.From(created));
        });

        api.MapGet("/assistants", async (HttpContext http, AssistantService assistants) =>
            Wire.List(await assistants.ListAsync(http.ProjectId(), ListQuery.Read(http.Request), http.RequestAborted), AssistantObject.From, a => a.Id));

        api.MapGet("/assistants/{assistantId}", async (string assistantId, HttpContext http, AssistantService assistants) =>
            Wire.Json(AssistantObject.From((await assistants.GetAsync(http.ProjectId(), assistantId, http.RequestAborted)).OrThrow())));

        api.MapPost("/assistants/{assistantId}", async (string assistantId, HttpContext http, AssistantService assistants) =>
        {
            var request = await RequestBody.ReadAsync<AssistantRequest>(http.Request);
            if (request.Model is not null)
                Validate.NonEmpty(request.Model, "model");
            var modified = await assistants.ModifyAsync(http.ProjectId(), assistantId, Settings(request), http.RequestAborted);
            return Wire.Json(AssistantObject.From(modified.OrThrow()));
        });

        api.MapDelete("/assistants/{assistantId}", async (string assistantId, HttpContext http, AssistantService assistants) =>
        {
            (await assistants.DeleteAsync(http.ProjectId(), assistantId, http.RequestAborted)).OrThrow();
            return Wire.Json(new DeletedObject(assistantId, "assistant.deleted", true));
        });
    }

    /// <summary>Validates a create or modify body into settings.</summary>
    private static AssistantSettings Settings(AssistantRequest r)
    {
        Validate.MaxLength(r.Name, 256, "name");
        Validate.MaxLength(r.Description, 512, "description");
        Validate.MaxLength(r.Instructions, 256_000, "instructions");
        Validate.MaxLength(r.Model, ModelMaxLength, "model");
        Validate.OneOf(r.ReasoningEffort, "reasoning_effort", "minimal", "low", "medium", "high");
        Validate.Tools(r.Tools, 128);
        Validate.Metadata(r.Metadata);
        Validate.Range(r.Temperature, 0, 2, "temperature");
        Validate.Range(r.TopP, 0, 1, "top_p");
        Validate.ResponseFormat(r.ResponseFormat);
        VectorStores.ToolResourceStores.Validate(r.ToolResources, "tool_resources");
        return new AssistantSettings
        {
            Model = r.Model,
            Name = r.Name,
            Description = r.Description,
            Instructions = r.Instructions,
            ReasoningEffort = r.ReasoningEffort,
            Tools = r.Tools is null ? null : RawJson.From(r.Tools),
            ToolResources = r.ToolResources is null ? null : RawJson.From(r.ToolResources),
            Metadata = r.Metadata is null ? null : RawJson.From(r.Metadata),
            Temperature = r.Temperature,
            TopP = r.TopP,
            ResponseFormat = r.ResponseFormat is null ? null : RawJson.From(r.ResponseFormat),
        };
    }
}
