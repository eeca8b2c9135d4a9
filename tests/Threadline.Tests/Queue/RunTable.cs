using Microsoft.Data.Sqlite;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>A row of the server's <c>runs</c> table: what the scheduler recorded, to the millisecond.</summary>
internal sealed record RunRow(
    string Id, string ThreadId, string Status, string Model, long QueueKey, long CreatedAtMs, long EligibleAtMs,
    long? StartedAtMs, long? EndedAtMs, string? LeaseOwner, long Attempt)
{
    public override string ToString() =>
        $"{Id} {Status} model={Model} queue_key={QueueKey} created={CreatedAtMs} eligible={EligibleAtMs} started={StartedAtMs} ended={EndedAtMs} owner={LeaseOwner} attempt={Attempt}";
}

/// <summary>
/// Reads the <c>runs</c> table of a data directory's <c>threadline.db</c>, read-only, without pooling
/// (so no handle outlives the read), while servers keep writing it (WAL).
/// </summary>
internal static class RunTable
{
    private static readonly string[] Terminal = ["completed", "failed", "cancelled", "expired", "incomplete"];

    public static async Task<IReadOnlyList<RunRow>> ReadAsync(string dataDirectory, string? where = null, object? args = null)
    {
        var path = Path.Combine(dataDirectory, "threadline.db");
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, thread_id, status, model, queue_key, created_at_ms, eligible_at_ms, started_at_ms, ended_at_ms, lease_owner, attempt
            FROM runs
            """ + (where is null ? "" : " WHERE " + where) + " ORDER BY seq";
        if (args is IEnumerable<KeyValuePair<string, object>> parameters)
        {
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        var rows = new List<RunRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new RunRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetInt64(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetInt64(10)));
        }

        return rows;
    }

    public static async Task<RunRow> ReadOneAsync(string dataDirectory, string runId)
    {
        var rows = await ReadAsync(dataDirectory, "id = $id", new Dictionary<string, object> { ["$id"] = runId });
        return Assert.Single(rows);
    }

    public static bool IsTerminal(RunRow row) => Terminal.Contains(row.Status);

    /// <summary>Polls the table until every run is terminal and at least <paramref name="expectedRuns"/> exist.</summary>
    public static async Task<IReadOnlyList<RunRow>> WaitUntilAllTerminalAsync(string dataDirectory, int expectedRuns, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = await ReadAsync(dataDirectory);
            if (rows.Count >= expectedRuns && rows.All(IsTerminal))
            {
                return rows;
            }

            if (DateTime.UtcNow > deadline)
            {
                var open = rows.Where(r => !IsTerminal(r)).Take(20).Select(r => r.ToString());
                Assert.Fail($"Within {timeout}: {rows.Count} runs (expected at least {expectedRuns}), {rows.Count(r => !IsTerminal(r))} not terminal:\n{string.Join("\n", open)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// I1 and I2 on one thread's rows: in start order, each run ended before the next started,
    /// and the start order is the queue order.
    /// </summary>
    public static void AssertSerialInQueueOrder(IEnumerable<RunRow> threadRuns, bool checkQueueOrder = true)
    {
        var started = threadRuns.Where(r => r.StartedAtMs is not null).OrderBy(r => r.StartedAtMs).ThenBy(r => r.EndedAtMs).ToList();
        for (var i = 0; i + 1 < started.Count; i++)
        {
            Assert.True(started[i].EndedAtMs is not null && started[i].EndedAtMs <= started[i + 1].StartedAtMs,
                $"I1 violated: two runs of thread {started[i].ThreadId} overlap by {started[i].EndedAtMs - started[i + 1].StartedAtMs} ms " +
                $"(the second started_at_ms is before the first ended_at_ms):\n  {started[i]}\n  {started[i + 1]}");
        }

        if (checkQueueOrder)
        {
            var queueOrder = started.OrderBy(r => r.QueueKey).Select(r => r.Id).ToList();
            Assert.True(queueOrder.SequenceEqual(started.Select(r => r.Id)),
                $"I2 violated: runs of thread {started.FirstOrDefault()?.ThreadId} started out of queue order:\n  {string.Join("\n  ", started)}");
        }
    }
}
