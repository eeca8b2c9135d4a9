using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Assistants;

internal sealed class AssistantService(IStore store, TimeProvider time)
{
    /// <summary>Makes an assistant; <see cref="AssistantSettings.Model"/> is required.</summary>
    public async Task<Assistant> CreateAsync(string projectId, AssistantSettings settings, CancellationToken ct)
    {
        var assistant = Apply(new Assistant
        {
            Id = Ids.Assistant(),
            ProjectId = projectId,
            CreatedAt = time.UnixSeconds(),
            Model = settings.Model ?? throw new ArgumentException("An assistant needs a model.", nameof(settings)),
            Tools = RawJson.EmptyArray,
            Metadata = RawJson.EmptyObject,
        }, settings);
        return await store.WriteAsync(async s =>
        {
            var made = assistant with { ToolResources = await VectorStores.ToolResourceStores.CreateAsync(s, projectId, assistant.ToolResources) };
            await s.Assistants.AssistantInsertAsync(made);
            return made;
        }, ct);
    }

    public async Task<Outcome<Assistant>> GetAsync(string projectId, string assistantId, CancellationToken ct) =>
        await store.ReadAsync(s => s.Assistants.AssistantGetAsync(projectId, assistantId), ct) is { } assistant
            ? assistant
            : new NotFound("assistant", assistantId);

    public Task<Outcome<Assistant>> ModifyAsync(string projectId, string assistantId, AssistantSettings settings, CancellationToken ct) =>
        store.WriteAsync<Outcome<Assistant>>(async s =>
        {
            if (await s.Assistants.AssistantGetAsync(projectId, assistantId) is not { } current)
                return new NotFound("assistant", assistantId);
            var modified = Apply(current, settings);
            modified = modified with { ToolResources = await VectorStores.ToolResourceStores.CreateAsync(s, projectId, modified.ToolResources) };
            await s.Assistants.AssistantUpdateAsync(modified);
            return modified;
        }, ct);

    public async Task<Outcome<bool>> DeleteAsync(string projectId, string assistantId, CancellationToken ct) =>
        await store.WriteAsync(s => s.Assistants.AssistantDeleteAsync(projectId, assistantId), ct)
            ? true
            : new NotFound("assistant", assistantId);

    public ValueTask<Page<Assistant>> ListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        store.ReadAsync(s => s.Assistants.AssistantListAsync(projectId, page), ct);

    private static Assistant Apply(Assistant a, AssistantSettings r) => a with
    {
        Model = r.Model ?? a.Model,
        Name = r.Name ?? a.Name,
        Description = r.Description ?? a.Description,
        Instructions = r.Instructions ?? a.Instructions,
        Tools = r.Tools ?? a.Tools,
        ToolResources = r.ToolResources ?? a.ToolResources,
        Metadata = r.Metadata ?? a.Metadata,
        Temperature = r.Temperature ?? a.Temperature,
        TopP = r.TopP ?? a.TopP,
        ResponseFormat = r.ResponseFormat ?? a.ResponseFormat,
        ReasoningEffort = r.ReasoningEffort ?? a.ReasoningEffort,
    };
}
