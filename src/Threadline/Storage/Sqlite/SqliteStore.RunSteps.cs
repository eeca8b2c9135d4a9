using Dapper;
using Threadline.RunSteps;

namespace Threadline.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    private const string SelectRunStep = "SELECT x.* FROM run_steps x";

    public Task<RunStep?> RunStepGetAsync(string projectId, string threadId, string runId, string stepId, CancellationToken ct) =>
        db.ReadAsync(c => SingleAsync(c,
            $"{SelectRunStep} WHERE x.id = @stepId AND x.run_id = @runId AND x.thread_id = @threadId AND x.project_id = @projectId",
            new { projectId, threadId, runId, stepId }, Rows.RunStep), ct);

    public Task<Page<RunStep>> RunStepListAsync(string projectId, string threadId, string runId, PageRequest page, CancellationToken ct) =>
        db.ReadAsync(c => PageAsync(c, SelectRunStep, "run_steps",
            "x.run_id = @runId AND x.thread_id = @threadId AND x.project_id = @projectId", "seq",
            new DynamicParameters(new { projectId, threadId, runId }), page, Rows.RunStep), ct);
}
