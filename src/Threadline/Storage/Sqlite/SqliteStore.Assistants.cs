using Dapper;
using Threadline.Assistants;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    private const string SelectAssistant = "SELECT x.* FROM assistants x";

    public Task AssistantInsertAsync(Assistant a, CancellationToken ct) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("""
            INSERT INTO assistants (id, project_id, created_at, name, description, model, instructions, tools,
                                    tool_resources, metadata, temperature, top_p, response_format, reasoning_effort)
            VALUES (@Id, @ProjectId, @CreatedAt, @Name, @Description, @Model, @Instructions, @Tools,
                    @ToolResources, @Metadata, @Temperature, @TopP, @ResponseFormat, @ReasoningEffort)
            """, AssistantParams(a), tx), ct);

    public Task<Assistant?> AssistantGetAsync(string projectId, string assistantId, CancellationToken ct) =>
        db.ReadAsync(c => SingleAsync(c, $"{SelectAssistant} WHERE x.id = @assistantId AND x.project_id = @projectId",
            new { projectId, assistantId }, Rows.Assistant), ct);

    public async Task<bool> AssistantUpdateAsync(Assistant a, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync("""
            UPDATE assistants SET name = @Name, description = @Description, model = @Model, instructions = @Instructions,
                tools = @Tools, tool_resources = @ToolResources, metadata = @Metadata, temperature = @Temperature,
                top_p = @TopP, response_format = @ResponseFormat, reasoning_effort = @ReasoningEffort
            WHERE id = @Id AND project_id = @ProjectId
            """, AssistantParams(a), tx), ct) > 0;

    public async Task<bool> AssistantDeleteAsync(string projectId, string assistantId, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecuteAsync(
            "DELETE FROM assistants WHERE id = @assistantId AND project_id = @projectId", new { projectId, assistantId }, tx), ct) > 0;

    public Task<Page<Assistant>> AssistantListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectAssistant, "assistants", "x.project_id = @projectId", "seq",
            new DynamicParameters(new { projectId }), page, Rows.Assistant), ct);

    private static object AssistantParams(Assistant a) => new
    {
        a.Id, a.ProjectId, a.CreatedAt, a.Name, a.Description, a.Model, a.Instructions,
        Tools = JsonColumns.Write(a.Tools), ToolResources = JsonColumns.Write(a.ToolResources),
        Metadata = JsonColumns.Write(a.Metadata), a.Temperature, a.TopP,
        ResponseFormat = JsonColumns.Write(a.ResponseFormat), a.ReasoningEffort,
    };
}
