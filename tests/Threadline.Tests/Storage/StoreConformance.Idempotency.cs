using System.Text;
using Threadline.Idempotency;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// Idempotency keys: one request holds a key at a time, only it records the response (by its token), the lock of a
/// key in flight is renewed by its process, and a record lives until it expires.
/// </summary>
public abstract partial class StoreConformance
{
    private const string Operation = "POST /v1/threads";
    private const long KeyLockMs = 60_000;
    private const long RetentionMs = 86_400_000;

    private static readonly RecordedResponse Created = new(200, new Dictionary<string, string> { ["openai-poll-after-ms"] = "100" },
        Encoding.UTF8.GetBytes("""{"id":"thread_1"}"""));

    [Fact]
    public async Task An_idempotency_key_held_by_one_request_is_refused_to_the_next()
    {
        Assert.True(await ClaimKeyAsync("key-1", "token-1"));

        Assert.False(await ClaimKeyAsync("key-1", "token-2"));
        Assert.False(await ClaimKeyAsync("key-1", "token-3", hash: "another body"));

        var record = await KeyAsync("key-1");
        Assert.Equal(("hash", false, NowMs + KeyLockMs, NowMs + RetentionMs), (record?.RequestHash, record?.Done, record?.LockedUntilMs, record?.ExpiresAtMs));
        Assert.Null(record?.Response);
        // Keys are scoped to the project and the operation.
        Assert.True(await ClaimKeyAsync("key-1", "token-4", operation: "POST /v1/threads/runs"));
        Assert.True(await ClaimKeyAsync("key-1", "token-5", project: "proj_other"));
    }

    [Fact]
    public async Task Only_the_request_holding_an_idempotency_key_records_its_response()
    {
        await ClaimKeyAsync("key-1", "token-1");

        await CompleteKeyAsync("key-1", "token-2");
        Assert.False((await KeyAsync("key-1"))?.Done);

        await CompleteKeyAsync("key-1", "token-1");
        var record = await KeyAsync("key-1");
        Assert.Equal((true, (long?)null), (record?.Done, record?.LockedUntilMs));
        AssertRecorded(record?.Response);
    }

    [Fact]
    public async Task A_request_that_wrote_nothing_records_its_response_without_a_claim()
    {
        await CompleteKeyAsync("key-1", "token-1");

        var record = await KeyAsync("key-1");
        Assert.Equal(("hash", true, NowMs + RetentionMs), (record?.RequestHash, record?.Done, record?.ExpiresAtMs));
        AssertRecorded(record?.Response);
    }

    [Fact]
    public async Task Renewing_extends_the_locks_of_a_processs_keys_in_flight_and_no_others()
    {
        var claimedAt = NowMs;
        await ClaimKeyAsync("mine", "token-1");
        await ClaimKeyAsync("theirs", "token-2", owner: "process-b");
        await ClaimKeyAsync("mine-done", "token-3");
        await CompleteKeyAsync("mine-done", "token-3");
        Advance(10_000);

        Assert.Equal(1, await WriteAsync(s => s.Idempotency.IdempotencyRenewAsync(Owner, s.NowMs, KeyLockMs)));

        Assert.Equal(NowMs + KeyLockMs, (await KeyAsync("mine"))?.LockedUntilMs);
        Assert.Equal(claimedAt + KeyLockMs, (await KeyAsync("theirs"))?.LockedUntilMs);
        Assert.Null((await KeyAsync("mine-done"))?.LockedUntilMs);
    }

    [Fact]
    public async Task An_expired_idempotency_key_can_be_claimed_again()
    {
        await ClaimKeyAsync("key-1", "token-1");
        await CompleteKeyAsync("key-1", "token-1");

        Advance(RetentionMs - 1);
        Assert.False(await ClaimKeyAsync("key-1", "token-2", hash: "new body"));
        Advance(1);
        Assert.True(await ClaimKeyAsync("key-1", "token-2", hash: "new body"));

        var record = await KeyAsync("key-1");
        Assert.Equal(("new body", false, NowMs + RetentionMs), (record?.RequestHash, record?.Done, record?.ExpiresAtMs));
        Assert.Null(record?.Response);
        // The request that held it before cannot record over the new one.
        await CompleteKeyAsync("key-1", "token-1");
        Assert.False((await KeyAsync("key-1"))?.Done);
    }

    [Fact]
    public async Task A_response_recorded_over_an_expired_record_makes_a_fresh_one()
    {
        // A key reused after its record expired (not yet purged), by a request that wrote nothing: its record is its own,
        // or a retry of it finds the old body's hash (422) or an expired record (the response is not replayed).
        await ClaimKeyAsync("key-1", "token-1");
        Advance(RetentionMs);

        await CompleteKeyAsync("key-1", "token-2", hash: "new body");

        var record = await KeyAsync("key-1");
        Assert.Equal(("new body", true, NowMs + RetentionMs), (record?.RequestHash, record?.Done, record?.ExpiresAtMs));
        AssertRecorded(record?.Response);
    }

    [Fact]
    public async Task Purging_deletes_the_expired_idempotency_keys_only()
    {
        await ClaimKeyAsync("older", "token-1");
        Advance(1_000);
        await ClaimKeyAsync("newer", "token-2");
        Advance(RetentionMs - 1_000);

        Assert.Equal(1, await WriteAsync(s => s.Idempotency.IdempotencyPurgeAsync(s.NowMs)));

        Assert.Null(await KeyAsync("older"));
        Assert.NotNull(await KeyAsync("newer"));
    }

    [Fact]
    public async Task A_write_under_an_idempotency_key_takes_the_key_in_its_own_transaction()
    {
        var first = Scope("key-1");
        var thread = StoreObjects.Thread(NowMs);
        await WriteUnderAsync(first, async s => await s.Threads.ThreadInsertAsync(thread));
        Assert.True(first.Committed);
        Assert.False((await KeyAsync("key-1"))?.Done);

        // A copy of the request, in flight meanwhile: its work does not happen.
        var copy = StoreObjects.Thread(NowMs);
        await Assert.ThrowsAsync<IdempotencyKeyTakenException>(() => WriteUnderAsync(Scope("key-1"), async s => await s.Threads.ThreadInsertAsync(copy)));
        Assert.Null(await ReadAsync(s => s.Threads.ThreadGetAsync(Project, copy.Id)));

        // Work that fails takes no key.
        await Assert.ThrowsAsync<WorkFailed>(() => WriteUnderAsync(Scope("key-2"), _ => throw new WorkFailed()));
        Assert.Null(await KeyAsync("key-2"));
    }

    private Task<bool> ClaimKeyAsync(string key, string token, string hash = "hash", string owner = Owner,
        string operation = Operation, string project = Project) =>
        WriteAsync(s => s.Idempotency.IdempotencyClaimAsync(new IdempotencyClaim(project, operation, key, hash, owner, token, s.NowMs, KeyLockMs, RetentionMs)));

    private Task CompleteKeyAsync(string key, string token, string hash = "hash") =>
        WriteAsync(s => s.Idempotency.IdempotencyCompleteAsync(new IdempotencyComplete(Project, Operation, key, hash, token, s.NowMs, RetentionMs, Created)));

    private Task<IdempotencyRecord?> KeyAsync(string key) => ReadAsync(s => s.Idempotency.IdempotencyGetAsync(Project, Operation, key));

    private static void AssertRecorded(RecordedResponse? response)
    {
        Assert.NotNull(response);
        Assert.Equal(Created.Status, response.Status);
        Assert.Equal(Created.Body, response.Body);
        Assert.Equal(Created.Headers.OrderBy(h => h.Key), response.Headers.OrderBy(h => h.Key));
    }

    private static IdempotencyScope Scope(string key) => new()
    {
        ProjectId = Project, Operation = Operation, Key = key, RequestHash = "hash", Owner = Owner, LockMs = KeyLockMs, RetentionMs = RetentionMs,
    };

    /// <summary>A write made while serving a request that carries the key (the store takes it from the ambient scope).</summary>
    private async Task WriteUnderAsync(IdempotencyScope scope, Func<IStoreSession, ValueTask> work)
    {
        IdempotencyScope.Current = scope;
        try
        {
            await WriteAsync(work);
        }
        finally
        {
            IdempotencyScope.Current = null;
        }
    }
}
