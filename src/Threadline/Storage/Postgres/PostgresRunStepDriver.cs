using Threadline.RunSteps;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresRunStepDriver(PostgresSession s) : IRunStepDriver
{
    private const string Select = $"SELECT {Rows.RunStepColumns} FROM run_steps x";

    /// <summary>The end time of a step, in the column of its status.</summary>
    private const string EndTimes = """
        completed_at = CASE WHEN @status = 'completed' THEN @at END,
        cancelled_at = CASE WHEN @status = 'cancelled' THEN @at END,
        failed_at = CASE WHEN @status = 'failed' THEN @at END,
        expired_at = CASE WHEN @status = 'expired' THEN @at END
        """;

    public async ValueTask RunStepInsertAsync(RunStep st) =>
        await s.ExecuteAsync("""
            INSERT INTO run_steps (id, project_id, thread_id, run_id, assistant_id, type, status, step_details, last_error_code,
                                   last_error_message, created_at, expired_at, cancelled_at, failed_at, completed_at, metadata,
                                   prompt_tokens, completion_tokens)
            VALUES (@id, @project, @thread, @run, @assistant, @type, @status, @details, @error_code,
                    @error_message, @created_at, @expired_at, @cancelled_at, @failed_at, @completed_at, @metadata,
                    @prompt_tokens, @completion_tokens)
            """, ("id", st.Id), ("project", st.ProjectId), ("thread", st.ThreadId), ("run", st.RunId), ("assistant", st.AssistantId),
            ("type", st.Type), ("status", st.Status), ("details", st.StepDetails.Text), ("error_code", st.LastError?.Code),
            ("error_message", st.LastError?.Message), ("created_at", st.CreatedAt), ("expired_at", st.ExpiredAt),
            ("cancelled_at", st.CancelledAt), ("failed_at", st.FailedAt), ("completed_at", st.CompletedAt), ("metadata", st.Metadata.Text),
            ("prompt_tokens", st.Usage?.PromptTokens), ("completion_tokens", st.Usage?.CompletionTokens));

    public ValueTask<RunStep?> RunStepGetAsync(string projectId, string threadId, string runId, string stepId) =>
        s.SingleAsync($"{Select} WHERE x.id = @id AND x.run_id = @run AND x.thread_id = @thread AND x.project_id = @project",
            Rows.RunStep, ("id", stepId), ("run", runId), ("thread", threadId), ("project", projectId));

    public ValueTask<Page<RunStep>> RunStepListAsync(string projectId, string threadId, string runId, PageRequest page) =>
        PostgresPaging.PageAsync(s, Select, "run_steps", "x.run_id = @run AND x.thread_id = @thread AND x.project_id = @project", "seq",
            [("run", runId), ("thread", threadId), ("project", projectId)], page, Rows.RunStep);

    public async ValueTask<IReadOnlyList<RunStep>> RunStepListByRunAsync(string runId) =>
        await s.ListAsync($"{Select} WHERE x.run_id = @run ORDER BY x.seq", Rows.RunStep, ("run", runId));

    public ValueTask<RunStep?> RunStepOpenToolCallsGetAsync(string runId) =>
        s.SingleAsync($"{Select} WHERE x.run_id = @run AND x.type = 'tool_calls' AND x.status = 'in_progress' ORDER BY x.seq DESC LIMIT 1",
            Rows.RunStep, ("run", runId));

    public async ValueTask RunStepEndAsync(RunStepEnd e) =>
        await s.ExecuteAsync($"""
            UPDATE run_steps SET status = @status, last_error_code = @error_code, last_error_message = @error_message,
                {EndTimes},
                prompt_tokens = COALESCE(@prompt_tokens, prompt_tokens), completion_tokens = COALESCE(@completion_tokens, completion_tokens),
                step_details = COALESCE(@details, step_details)
            WHERE id = @id
            """, ("status", e.Status), ("error_code", e.Error?.Code), ("error_message", e.Error?.Message), ("at", e.At),
            ("prompt_tokens", e.Usage?.PromptTokens), ("completion_tokens", e.Usage?.CompletionTokens),
            ("details", e.StepDetails?.Text), ("id", e.StepId));

    public ValueTask<int> RunStepOpenCloseAsync(string runId, string status, long at) =>
        s.ExecuteAsync($"""
            UPDATE run_steps SET status = @status, {EndTimes}
            WHERE run_id = @run AND status = 'in_progress'
            """, ("status", status), ("at", at), ("run", runId));

    public async ValueTask<bool> RunStepExistsForRunAsync(string runId) =>
        await s.ScalarAsync("SELECT EXISTS (SELECT 1 FROM run_steps WHERE run_id = @run)", ("run", runId)) is true;
}
