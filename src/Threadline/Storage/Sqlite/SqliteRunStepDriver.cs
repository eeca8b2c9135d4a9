using Threadline.RunSteps;
using Threadline.Storage.Drivers;

namespace Threadline.Storage.Sqlite;

internal sealed class SqliteRunStepDriver(SqliteSession s) : IRunStepDriver
{
    private const string Select = $"SELECT {Rows.RunStepColumns} FROM run_steps x";

    public ValueTask RunStepInsertAsync(RunStep st)
    {
        s.Execute("""
            INSERT INTO run_steps (id, project_id, thread_id, run_id, assistant_id, type, status, step_details, last_error_code,
                                   last_error_message, created_at, expired_at, cancelled_at, failed_at, completed_at, metadata,
                                   prompt_tokens, completion_tokens)
            VALUES ($id, $project, $thread, $run, $assistant, $type, $status, $details, $error_code,
                    $error_message, $created_at, $expired_at, $cancelled_at, $failed_at, $completed_at, $metadata,
                    $prompt_tokens, $completion_tokens)
            """, ("$id", st.Id), ("$project", st.ProjectId), ("$thread", st.ThreadId), ("$run", st.RunId), ("$assistant", st.AssistantId),
            ("$type", st.Type), ("$status", st.Status), ("$details", st.StepDetails.Text), ("$error_code", st.LastError?.Code),
            ("$error_message", st.LastError?.Message), ("$created_at", st.CreatedAt), ("$expired_at", st.ExpiredAt),
            ("$cancelled_at", st.CancelledAt), ("$failed_at", st.FailedAt), ("$completed_at", st.CompletedAt), ("$metadata", st.Metadata.Text),
            ("$prompt_tokens", st.Usage?.PromptTokens), ("$completion_tokens", st.Usage?.CompletionTokens));
        return ValueTask.CompletedTask;
    }

    public ValueTask<RunStep?> RunStepGetAsync(string projectId, string threadId, string runId, string stepId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.id = $id AND x.run_id = $run AND x.thread_id = $thread AND x.project_id = $project",
            Rows.RunStep, ("$id", stepId), ("$run", runId), ("$thread", threadId), ("$project", projectId)));

    public ValueTask<Page<RunStep>> RunStepListAsync(string projectId, string threadId, string runId, PageRequest page) =>
        ValueTask.FromResult(SqlitePaging.Page(s, Select, "run_steps", "x.run_id = $run AND x.thread_id = $thread AND x.project_id = $project", "seq",
            [("$run", runId), ("$thread", threadId), ("$project", projectId)], page, Rows.RunStep));

    public ValueTask<IReadOnlyList<RunStep>> RunStepListByRunAsync(string runId) =>
        ValueTask.FromResult<IReadOnlyList<RunStep>>(s.List($"{Select} WHERE x.run_id = $run ORDER BY x.seq", Rows.RunStep, ("$run", runId)));

    public ValueTask<RunStep?> RunStepOpenToolCallsGetAsync(string runId) =>
        ValueTask.FromResult(s.Single($"{Select} WHERE x.run_id = $run AND x.type = 'tool_calls' AND x.status = 'in_progress' ORDER BY x.seq DESC LIMIT 1",
            Rows.RunStep, ("$run", runId)));

    public ValueTask RunStepEndAsync(RunStepEnd e)
    {
        s.Execute("""
            UPDATE run_steps SET status = $status, last_error_code = $error_code, last_error_message = $error_message,
                completed_at = CASE WHEN $status = 'completed' THEN $at END,
                cancelled_at = CASE WHEN $status = 'cancelled' THEN $at END,
                failed_at = CASE WHEN $status = 'failed' THEN $at END,
                expired_at = CASE WHEN $status = 'expired' THEN $at END,
                prompt_tokens = COALESCE($prompt_tokens, prompt_tokens), completion_tokens = COALESCE($completion_tokens, completion_tokens),
                step_details = COALESCE($details, step_details)
            WHERE id = $id
            """, ("$status", e.Status), ("$error_code", e.Error?.Code), ("$error_message", e.Error?.Message), ("$at", e.At),
            ("$prompt_tokens", e.Usage?.PromptTokens), ("$completion_tokens", e.Usage?.CompletionTokens),
            ("$details", e.StepDetails?.Text), ("$id", e.StepId));
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> RunStepOpenCloseAsync(string runId, string status, long at) =>
        ValueTask.FromResult(s.Execute("""
            UPDATE run_steps SET status = $status,
                completed_at = CASE WHEN $status = 'completed' THEN $at END,
                cancelled_at = CASE WHEN $status = 'cancelled' THEN $at END,
                failed_at = CASE WHEN $status = 'failed' THEN $at END,
                expired_at = CASE WHEN $status = 'expired' THEN $at END
            WHERE run_id = $run AND status = 'in_progress'
            """, ("$status", status), ("$at", at), ("$run", runId)));

    public ValueTask<bool> RunStepExistsForRunAsync(string runId) =>
        ValueTask.FromResult(s.ScalarLong("SELECT EXISTS (SELECT 1 FROM run_steps WHERE run_id = $run)", ("$run", runId)) == 1);
}
