using Threadline.Assistants;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresAssistantDriver(PostgresSession s) : IAssistantDriver
{
    private const string Select = $"SELECT {Rows.AssistantColumns} FROM assistants x";

    public async ValueTask AssistantInsertAsync(Assistant a) =>
        await s.ExecuteAsync("""
            INSERT INTO assistants (id, project_id, created_at, name, description, model, instructions, tools,
                                    tool_resources, metadata, temperature, top_p, response_format, reasoning_effort)
            VALUES (@id, @project, @created_at, @name, @description, @model, @instructions, @tools,
                    @tool_resources, @metadata, @temperature, @top_p, @response_format, @reasoning_effort)
            """, Params(a));

    public ValueTask<Assistant?> AssistantGetAsync(string projectId, string assistantId) =>
        s.SingleAsync($"{Select} WHERE x.id = @id AND x.project_id = @project", Rows.Assistant, ("id", assistantId), ("project", projectId));

    public async ValueTask<bool> AssistantUpdateAsync(Assistant a) =>
        await s.ExecuteAsync("""
            UPDATE assistants SET name = @name, description = @description, model = @model, instructions = @instructions,
                tools = @tools, tool_resources = @tool_resources, metadata = @metadata, temperature = @temperature,
                top_p = @top_p, response_format = @response_format, reasoning_effort = @reasoning_effort
            WHERE id = @id AND project_id = @project
            """, Params(a)) > 0;

    public async ValueTask<bool> AssistantDeleteAsync(string projectId, string assistantId) =>
        await s.ExecuteAsync("DELETE FROM assistants WHERE id = @id AND project_id = @project", ("id", assistantId), ("project", projectId)) > 0;

    public ValueTask<Page<Assistant>> AssistantListAsync(string projectId, PageRequest page) =>
        PostgresPaging.PageAsync(s, Select, "assistants", "x.project_id = @project", "seq", [("project", projectId)], page, Rows.Assistant);

    private static (string, object?)[] Params(Assistant a) =>
    [
        ("id", a.Id), ("project", a.ProjectId), ("created_at", a.CreatedAt), ("name", a.Name), ("description", a.Description),
        ("model", a.Model), ("instructions", a.Instructions), ("tools", a.Tools.Text), ("tool_resources", a.ToolResources.OrNull()),
        ("metadata", a.Metadata.Text), ("temperature", a.Temperature), ("top_p", a.TopP),
        ("response_format", a.ResponseFormat.OrNull()), ("reasoning_effort", a.ReasoningEffort),
    ];
}
