using Threadline.Api;
using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Assistants;

internal sealed class AssistantService(IThreadlineStore store, TimeProvider time)
{
    public async Task<Assistant> CreateAsync(string projectId, AssistantRequest request, CancellationToken ct)
    {
        Check(request);
        var assistant = new Assistant
        {
            Id = Ids.Assistant(),
            ProjectId = projectId,
            CreatedAt = time.UnixSeconds(),
            Model = Validate.NonEmpty(request.Model, "model"),
            Name = request.Name,
            Description = request.Description,
            Instructions = request.Instructions,
            Tools = request.Tools ?? [],
            ToolResources = request.ToolResources,
            Metadata = request.Metadata ?? Metadata.Empty,
            Temperature = request.Temperature,
            TopP = request.TopP,
            ResponseFormat = request.ResponseFormat,
            ReasoningEffort = request.ReasoningEffort,
        };
        await store.AssistantInsertAsync(assistant, ct);
        return assistant;
    }

    public async Task<Assistant> GetAsync(string projectId, string assistantId, CancellationToken ct) =>
        await store.AssistantGetAsync(projectId, assistantId, ct) ?? throw ApiException.NoSuch("assistant", assistantId);

    public async Task<Assistant> ModifyAsync(string projectId, string assistantId, AssistantRequest request, CancellationToken ct)
    {
        Check(request);
        if (request.Model is not null)
            Validate.NonEmpty(request.Model, "model");
        var current = await GetAsync(projectId, assistantId, ct);
        var modified = current with
        {
            Model = request.Model ?? current.Model,
            Name = request.Name ?? current.Name,
            Description = request.Description ?? current.Description,
            Instructions = request.Instructions ?? current.Instructions,
            Tools = request.Tools ?? current.Tools,
            ToolResources = request.ToolResources ?? current.ToolResources,
            Metadata = request.Metadata ?? current.Metadata,
            Temperature = request.Temperature ?? current.Temperature,
            TopP = request.TopP ?? current.TopP,
            ResponseFormat = request.ResponseFormat ?? current.ResponseFormat,
            ReasoningEffort = request.ReasoningEffort ?? current.ReasoningEffort,
        };
        if (!await store.AssistantUpdateAsync(modified, ct))
            throw ApiException.NoSuch("assistant", assistantId);
        return modified;
    }

    public async Task DeleteAsync(string projectId, string assistantId, CancellationToken ct)
    {
        if (!await store.AssistantDeleteAsync(projectId, assistantId, ct))
            throw ApiException.NoSuch("assistant", assistantId);
    }

    public Task<Page<Assistant>> ListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        store.AssistantListAsync(projectId, page, ct);

    private static void Check(AssistantRequest r)
    {
        Validate.MaxLength(r.Name, 256, "name");
        Validate.MaxLength(r.Description, 512, "description");
        Validate.MaxLength(r.Instructions, 256_000, "instructions");
        Validate.MaxLength(r.Model, 256, "model");
        Validate.OneOf(r.ReasoningEffort, "reasoning_effort", "minimal", "low", "medium", "high");
        Validate.Tools(r.Tools, 128);
        Validate.Metadata(r.Metadata);
        Validate.Range(r.Temperature, 0, 2, "temperature");
        Validate.Range(r.TopP, 0, 1, "top_p");
        Validate.ResponseFormat(r.ResponseFormat);
    }
}
