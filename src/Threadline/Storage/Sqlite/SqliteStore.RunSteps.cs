using Dapper;
using Threadline.RunSteps;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    private const string SelectRunStep = "SELECT x.* FROM run_steps x";

    private static Task RunStepInsertAsync(Microsoft.Data.Sqlite.SqliteConnection c, System.Data.IDbTransaction tx, RunStep s) =>
        c.ExecuteAsync("""
            INSERT INTO run_steps (id, project_id, thread_id, run_id, assistant_id, type, status, step_details, last_error_code,
                                   last_error_message, created_at, expired_at, cancelled_at, failed_at, completed_at, metadata,
                                   prompt_tokens, completion_tokens)
            VALUES (@Id, @ProjectId, @ThreadId, @RunId, @AssistantId, @Type, @Status, @StepDetails, @ErrorCode,
                    @ErrorMessage, @CreatedAt, @ExpiredAt, @CancelledAt, @FailedAt, @CompletedAt, @Metadata,
                    @PromptTokens, @CompletionTokens)
            """, new
        {
            s.Id, s.ProjectId, s.ThreadId, s.RunId, s.AssistantId, s.Type, s.Status, StepDetails = JsonColumns.Write(s.StepDetails),
            ErrorCode = s.LastError?.Code, ErrorMessage = s.LastError?.Message, s.CreatedAt, s.ExpiredAt, s.CancelledAt,
            s.FailedAt, s.CompletedAt, Metadata = JsonColumns.Write(s.Metadata),
            PromptTokens = s.Usage?.PromptTokens, CompletionTokens = s.Usage?.CompletionTokens,
        }, tx);

    public Task<RunStep?> RunStepGetAsync(string projectId, string threadId, string runId, string stepId, CancellationToken ct) =>
        db.ReadAsync(c => SingleAsync(c,
            $"{SelectRunStep} WHERE x.id = @stepId AND x.run_id = @runId AND x.thread_id = @threadId AND x.project_id = @projectId",
            new { projectId, threadId, runId, stepId }, Rows.RunStep), ct);

    public Task<Page<RunStep>> RunStepListAsync(string projectId, string threadId, string runId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectRunStep, "run_steps",
            "x.run_id = @runId AND x.thread_id = @threadId AND x.project_id = @projectId", "seq",
            new DynamicParameters(new { projectId, threadId, runId }), page, Rows.RunStep), ct);
}
