using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Threadline.Domain;
using Threadline.Files;
using Threadline.Retrieval;
using Threadline.Storage;
using Threadline.Storage.Drivers;
using Threadline.Storage.Postgres;
using Threadline.Tests.Infrastructure;
using Threadline.VectorStores;
using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// The file and vector store drivers (<see cref="IFileDriver"/>, <see cref="IVectorStoreDriver"/>) on the store the
/// server builds: SQLite, or PostgreSQL in the suites' PostgreSQL pass (<see cref="TestStorage"/>), as the
/// conformance suite runs. Times are given to the queue calls, so the lease tests need no clock of their own.
/// </summary>
public sealed class VectorStoreDriverTests : IAsyncLifetime
{
    private const string Project = StoreObjects.Project;
    private const string Other = "proj_other";
    private const long LeaseMs = 30_000;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, 250, TimeSpan.Zero));
    private IStoreDatabase _database = null!;

    private IStore Store { get; set; } = null!;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private long NowSeconds => NowMs / 1000;

    public async Task InitializeAsync()
    {
        _database = await new CoreStoreFactory().CreateAsync(_clock);
        Store = await _database.OpenAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    // :: Files

    [Fact]
    public async Task Files_are_got_listed_by_purpose_and_paged_in_the_order_they_were_made()
    {
        var ids = StoreObjects.DescendingIds("file", 6);
        for (var i = 0; i < ids.Count; i++)
        {
            await InsertFileAsync(ids[i], purpose: i % 2 == 0 ? "assistants" : "batch");
            if (i == 2)
                await InsertFileAsync("file-elsewhere", project: Other);
        }

        var got = await ReadAsync(s => s.Files.FileGetAsync(Project, ids[1]));
        Assert.Equal((ids[1], "batch", "f.txt", 12L, NowSeconds), (got!.Id, got.Purpose, got.Filename, got.Bytes, got.CreatedAt));
        Assert.Null(await ReadAsync(s => s.Files.FileGetAsync(Project, "file-elsewhere")));

        await PagingModel.AssertEveryPageAsync(ids, page => ReadAsync(s => s.Files.FileListAsync(Project, null, page)), f => f.Id);
        await PagingModel.AssertEveryPageAsync([ids[0], ids[2], ids[4]],
            page => ReadAsync(s => s.Files.FileListAsync(Project, "assistants", page)), f => f.Id);
    }

    [Fact]
    public async Task Expired_files_are_listed_oldest_first()
    {
        await InsertFileAsync("file-late", expiresAt: NowSeconds - 1);
        await InsertFileAsync("file-never");
        await InsertFileAsync("file-early", expiresAt: NowSeconds - 10);
        await InsertFileAsync("file-later", expiresAt: NowSeconds + 10);

        var expired = await ReadAsync(s => s.Files.FileListExpiredAsync(NowSeconds, 10));
        Assert.Equal(["file-early", "file-late"], expired.Select(f => f.Id));
        Assert.Single(await ReadAsync(s => s.Files.FileListExpiredAsync(NowSeconds, 1)));
    }

    [Fact]
    public async Task A_deleted_file_leaves_every_store_it_was_in_and_their_versions_move()
    {
        var (one, two, bystander) = (await InsertStoreAsync(), await InsertStoreAsync(), await InsertStoreAsync());
        await InsertFileAsync("file-doomed");
        await InsertFileAsync("file-kept");
        await InsertStoreFileAsync(one, "file-doomed");
        await InsertStoreFileAsync(two, "file-doomed");
        await InsertStoreFileAsync(one, "file-kept");
        await IndexAllAsync();
        var before = (await VersionAsync(one), await VersionAsync(two), await VersionAsync(bystander));

        Assert.False(await WriteAsync(s => s.Files.FileDeleteAsync(Other, "file-doomed")));
        Assert.True(await WriteAsync(s => s.Files.FileDeleteAsync(Project, "file-doomed")));
        Assert.False(await WriteAsync(s => s.Files.FileDeleteAsync(Project, "file-doomed")));

        Assert.Null(await ReadAsync(s => s.Files.FileGetAsync(Project, "file-doomed")));
        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, one, "file-doomed")));
        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, two, "file-doomed")));
        Assert.Empty(await ReadAsync(s => s.VectorStores.ChunkTextsOfFileAsync(one, "file-doomed")));
        Assert.Empty(await ReadAsync(s => s.VectorStores.ChunkTextsOfFileAsync(two, "file-doomed")));
        Assert.Equal(["file-kept"], (await VectorsAsync(one)).Select(v => v.FileId).Distinct());
        Assert.Empty(await VectorsAsync(two));
        Assert.True(await VersionAsync(one) > before.Item1);
        Assert.True(await VersionAsync(two) > before.Item2);
        Assert.Equal(before.Item3, await VersionAsync(bystander));
        Assert.Equal(1, (await StoreAsync(one)).Counts.Total);
    }

    // :: Vector stores

    [Fact]
    public async Task A_store_is_got_with_its_counts_and_usage_updated_and_listed()
    {
        var ids = StoreObjects.DescendingIds("vs", 4);
        foreach (var id in ids)
            await InsertStoreAsync(id);
        await InsertStoreAsync(project: Other);
        var store = ids[0];
        foreach (var file in new[] { "file-a", "file-b", "file-c", "file-d" })
            await InsertStoreFileAsync(store, file);
        await InsertStoreFileAsync(ids[1], "file-x");
        var batch = await InsertBatchAsync(store, "file-e");

        // a completed (with its usage), b failed, e cancelled with its batch; c, d and x wait.
        var a = (await ClaimAsync())!;
        Assert.True(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(a, [Chunk(0, "alpha")], 1234, "test-model")));
        var b = (await ClaimAsync())!;
        Assert.True(await WriteAsync(s => s.VectorStores.IndexingFailAsync(b, "unsupported_file", "no text")));
        Assert.True(await WriteAsync(s => s.VectorStores.FileBatchCancelAsync(Project, store, batch)));

        var got = await StoreAsync(store);
        Assert.Equal((store, "store", "about", """{"k":"v"}""", 7, NowSeconds + 7 * 86_400, "test-embedder"),
            (got.Id, got.Name, got.Description, got.Metadata.Text, got.ExpiresAfterDays, got.ExpiresAt, got.EmbeddingModel));
        Assert.Equal(new FileCounts(2, 1, 1, 1), got.Counts);
        Assert.Equal(1234, got.UsageBytes);
        Assert.Equal(new FileCounts(1, 0, 0, 0), (await StoreAsync(ids[1])).Counts);
        var failed = await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, "file-b"));
        Assert.Equal((VectorStoreFileStatus.Failed, "unsupported_file", "no text"), (failed!.Status, failed.LastErrorCode, failed.LastErrorMessage));

        Assert.True(await WriteAsync(s => s.VectorStores.VectorStoreUpdateAsync(got with
        {
            Name = "renamed", Description = null, Metadata = RawJson.Trusted("{}"), ExpiresAfterDays = null, ExpiresAt = null, LastActiveAt = NowSeconds + 5,
        })));
        Assert.False(await WriteAsync(s => s.VectorStores.VectorStoreUpdateAsync(got with { ProjectId = Other })));
        var updated = await StoreAsync(store);
        Assert.Equal(("renamed", (string?)null, "{}", (int?)null, (long?)null, NowSeconds + 5),
            (updated.Name, updated.Description, updated.Metadata.Text, updated.ExpiresAfterDays, updated.ExpiresAt, updated.LastActiveAt));
        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreGetAsync(Other, store)));

        await PagingModel.AssertEveryPageAsync(ids, page => ReadAsync(s => s.VectorStores.VectorStoreListAsync(Project, page)), v => v.Id);
    }

    [Fact]
    public async Task Expired_stores_are_listed_oldest_first()
    {
        await InsertStoreAsync("vs_late", expiresAt: NowSeconds);
        await InsertStoreAsync("vs_never", expiresAt: null);
        await InsertStoreAsync("vs_early", expiresAt: NowSeconds - 100);
        await InsertStoreAsync("vs_later", expiresAt: NowSeconds + 1);
        Assert.Equal(["vs_early", "vs_late"], (await ReadAsync(s => s.VectorStores.VectorStoreListExpiredAsync(NowSeconds, 5))).Select(v => v.Id));
    }

    [Fact]
    public async Task A_deleted_store_takes_its_files_batches_and_chunks_with_it()
    {
        var (store, bystander) = (await InsertStoreAsync(), await InsertStoreAsync());
        await InsertStoreFileAsync(store, "file-a");
        var batch = await InsertBatchAsync(store, "file-b");
        await InsertStoreFileAsync(bystander, "file-a");
        await IndexAllAsync();
        Assert.NotEmpty(await VectorsAsync(store));

        Assert.False(await WriteAsync(s => s.VectorStores.VectorStoreDeleteAsync(Other, store)));
        Assert.True(await WriteAsync(s => s.VectorStores.VectorStoreDeleteAsync(Project, store)));
        Assert.False(await WriteAsync(s => s.VectorStores.VectorStoreDeleteAsync(Project, store)));

        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreGetAsync(Project, store)));
        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, "file-a")));
        Assert.Null(await ReadAsync(s => s.VectorStores.FileBatchGetAsync(Project, store, batch)));
        Assert.Empty((await ReadAsync(s => s.VectorStores.VectorStoreFileListAsync(Project, store, null, null, PageRequest.All))).Items);
        Assert.Empty(await VectorsAsync(store));
        Assert.Null(await ReadAsync(s => s.VectorStores.ChunksVersionGetAsync(store)));
        Assert.NotEmpty(await VectorsAsync(bystander));
        Assert.NotNull(await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, bystander, "file-a")));
    }

    // :: Store files

    [Fact]
    public async Task A_file_goes_into_a_store_once()
    {
        var store = await InsertStoreAsync();
        Assert.True(await InsertStoreFileAsync(store, "file-a", attributes: """{"n":1}"""));
        Assert.False(await InsertStoreFileAsync(store, "file-a", attributes: """{"n":2}"""));

        var file = await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, "file-a"));
        Assert.Equal((VectorStoreFileStatus.InProgress, """{"n":1}""", new ChunkingStrategy(300, 50), (string?)null, 0L),
            (file!.Status, file.Attributes.Text, file.Chunking, file.BatchId, file.UsageBytes));
        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Other, store, "file-a")));
        Assert.Equal(1, (await StoreAsync(store)).Counts.Total);
    }

    [Fact]
    public async Task Store_files_are_listed_by_batch_and_status_and_paged_by_file_id()
    {
        var store = await InsertStoreAsync();
        var other = await InsertStoreAsync();
        var ids = StoreObjects.DescendingIds("file", 6);
        var batch = Ids.FileBatch();
        await WriteAsync(s => s.VectorStores.FileBatchInsertAsync(new FileBatch { Id = batch, VectorStoreId = store, ProjectId = Project, CreatedAt = NowSeconds }));
        for (var i = 0; i < ids.Count; i++)
        {
            await InsertStoreFileAsync(store, ids[i], batch: i >= 3 ? batch : null);
            // The same file ids in another store, between them: a cursor names a file in this store.
            await InsertStoreFileAsync(other, ids[ids.Count - 1 - i]);
        }
        // ids[0] completed, ids[3] failed; the rest held, still in progress.
        while (await ClaimAsync() is { } job)
        {
            if (job.File.VectorStoreId == store && job.File.FileId == ids[0])
                Assert.True(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(job, [Chunk(0, "x")], 1, "test-model")));
            if (job.File.VectorStoreId == store && job.File.FileId == ids[3])
                Assert.True(await WriteAsync(s => s.VectorStores.IndexingFailAsync(job, "server_error", "boom")));
        }

        await PagingModel.AssertEveryPageAsync(ids, page => ReadAsync(s => s.VectorStores.VectorStoreFileListAsync(Project, store, null, null, page)), f => f.FileId);
        await PagingModel.AssertEveryPageAsync([.. ids.Skip(3)],
            page => ReadAsync(s => s.VectorStores.VectorStoreFileListAsync(Project, store, batch, null, page)), f => f.FileId);
        await PagingModel.AssertEveryPageAsync([ids[1], ids[2], ids[4], ids[5]],
            page => ReadAsync(s => s.VectorStores.VectorStoreFileListAsync(Project, store, null, VectorStoreFileStatus.InProgress, page)), f => f.FileId);
        await PagingModel.AssertEveryPageAsync([ids[4], ids[5]],
            page => ReadAsync(s => s.VectorStores.VectorStoreFileListAsync(Project, store, batch, VectorStoreFileStatus.InProgress, page)), f => f.FileId);
        Assert.Empty((await ReadAsync(s => s.VectorStores.VectorStoreFileListAsync(Other, store, null, null, PageRequest.All))).Items);
    }

    [Fact]
    public async Task Attributes_are_set_and_listed_for_completed_files()
    {
        var store = await InsertStoreAsync();
        await InsertStoreFileAsync(store, "file-a");
        await InsertStoreFileAsync(store, "file-b");
        var a = (await ClaimAsync())!;
        await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(a, [Chunk(0, "x")], 1, "test-model"));

        Assert.True(await WriteAsync(s => s.VectorStores.VectorStoreFileAttributesSetAsync(Project, store, "file-a", RawJson.Trusted("""{"tag":"new"}"""))));
        Assert.False(await WriteAsync(s => s.VectorStores.VectorStoreFileAttributesSetAsync(Other, store, "file-a", RawJson.Trusted("{}"))));
        var listed = await ReadAsync(s => s.VectorStores.VectorStoreFileAttributesListAsync(store));
        Assert.Equal([("file-a", """{"tag":"new"}""")], listed.Select(l => (l.FileId, l.Attributes.Text)));
    }

    [Fact]
    public async Task A_file_taken_out_of_a_store_takes_its_chunks_and_the_version_moves()
    {
        var store = await InsertStoreAsync();
        await InsertStoreFileAsync(store, "file-a");
        await InsertStoreFileAsync(store, "file-b");
        await IndexAllAsync();
        var before = await VersionAsync(store);

        Assert.False(await WriteAsync(s => s.VectorStores.VectorStoreFileDeleteAsync(Other, store, "file-a")));
        Assert.True(await WriteAsync(s => s.VectorStores.VectorStoreFileDeleteAsync(Project, store, "file-a")));
        Assert.False(await WriteAsync(s => s.VectorStores.VectorStoreFileDeleteAsync(Project, store, "file-a")));

        Assert.True(await VersionAsync(store) > before);
        Assert.Equal(["file-b"], (await VectorsAsync(store)).Select(v => v.FileId).Distinct());
        Assert.Null(await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, "file-a")));
    }

    // :: Batches

    [Fact]
    public async Task A_cancelled_batch_cancels_its_files_still_in_progress_and_no_claim_takes_them()
    {
        var store = await InsertStoreAsync();
        var batch = await InsertBatchAsync(store, "file-a", "file-b", "file-c");
        await InsertStoreFileAsync(store, "file-alone");
        var a = (await ClaimAsync())!;
        Assert.Equal("file-a", a.File.FileId);
        await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(a, [Chunk(0, "done")], 10, "test-model"));
        var b = (await ClaimAsync())!;
        Assert.Equal(new FileCounts(2, 1, 0, 0), (await ReadAsync(s => s.VectorStores.FileBatchGetAsync(Project, store, batch)))!.Counts);

        Assert.False(await WriteAsync(s => s.VectorStores.FileBatchCancelAsync(Other, store, batch)));
        Assert.False(await WriteAsync(s => s.VectorStores.FileBatchCancelAsync(Project, store, "vsfb_unknown")));
        Assert.True(await WriteAsync(s => s.VectorStores.FileBatchCancelAsync(Project, store, batch)));

        var got = (await ReadAsync(s => s.VectorStores.FileBatchGetAsync(Project, store, batch)))!;
        Assert.Equal((true, new FileCounts(0, 1, 0, 2), "cancelled"), (got.Cancelled, got.Counts, got.Status));
        Assert.Equal(["done"], await ReadAsync(s => s.VectorStores.ChunkTextsOfFileAsync(store, "file-a")));
        // The file being indexed when its batch was cancelled is no longer its indexer's to finish.
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(b, [Chunk(0, "late")], 10, "test-model")));
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingExtendAsync(b, NowMs + LeaseMs)));
        Assert.Equal(VectorStoreFileStatus.Cancelled, (await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, b.File.FileId)))!.Status);
        var alone = (await ClaimAsync())!;
        Assert.Equal("file-alone", alone.File.FileId);
        await WriteAsync(s => s.VectorStores.IndexingFailAsync(alone, "server_error", "x"));
        Assert.Null(await ClaimAsync(NowMs + 10 * LeaseMs));
        Assert.Null(await ReadAsync(s => s.VectorStores.FileBatchGetAsync(Other, store, batch)));
    }

    // :: The indexing queue

    [Fact]
    public async Task A_claim_takes_the_oldest_waiting_file_with_what_indexing_needs()
    {
        var store = await InsertStoreAsync();
        await InsertFileAsync("file-b", filename: "b.md");
        await InsertStoreFileAsync(store, "file-b");
        await InsertStoreFileAsync(store, "file-a");

        var job = (await ClaimAsync(owner: "node-1"))!;
        Assert.Equal(("file-b", store, "test-embedder", "b.md", "node-1", 1), (job.File.FileId, job.File.VectorStoreId, job.EmbeddingModel, job.Filename, job.Owner, job.Attempt));
        Assert.Equal(new ChunkingStrategy(300, 50), job.File.Chunking);
        var next = (await ClaimAsync())!;
        Assert.Equal(("file-a", ""), (next.File.FileId, next.Filename));
        Assert.Null(await ClaimAsync());
    }

    [Fact]
    public async Task Of_two_claimers_at_once_only_one_gets_a_file_and_the_other_takes_the_next()
    {
        var second = await _database.OpenAsync();
        var store = await InsertStoreAsync();
        await InsertStoreFileAsync(store, "file-a");
        await InsertStoreFileAsync(store, "file-b");

        foreach (var expectSecond in new[] { "file-b", (string?)null })
        {
            var claimed = new TaskCompletionSource();
            var release = new TaskCompletionSource();
            // The first claims and holds its transaction open while the second claims.
            var first = Store.WriteAsync(async s =>
            {
                var job = await s.VectorStores.IndexingClaimAsync("node-1", NowMs, LeaseMs);
                claimed.SetResult();
                await Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(1)));
                return job;
            }, CancellationToken.None).WaitAsync(Patience);
            await claimed.Task.WaitAsync(Patience);
            var other = second.WriteAsync(s => s.VectorStores.IndexingClaimAsync("node-2", NowMs, LeaseMs), CancellationToken.None).WaitAsync(Patience);
            var settledFirst = await Task.WhenAny(other, Task.Delay(TimeSpan.FromMilliseconds(500))) == other;
            release.TrySetResult();
            var (one, two) = (await first, await other);

            Assert.Equal(expectSecond is null ? null : "file-a", one?.File.FileId);
            Assert.Equal(expectSecond, two?.File.FileId);
            if (TestStorage.OnPostgres)
                // SKIP LOCKED: the second does not wait for the first's transaction.
                Assert.True(settledFirst, "the second claim waited for the first's transaction");
        }
    }

    [Fact]
    public async Task A_held_lease_is_extended_and_the_completion_replaces_the_chunks()
    {
        var store = await InsertStoreAsync();
        await InsertStoreFileAsync(store, "file-a");
        var v0 = await VersionAsync(store);
        var job = (await ClaimAsync())!;
        Assert.Equal(NowMs + LeaseMs, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(NowMs)));

        Assert.True(await WriteAsync(s => s.VectorStores.IndexingExtendAsync(job, NowMs + 3 * LeaseMs)));
        Assert.Equal(NowMs + 3 * LeaseMs, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(NowMs)));
        Assert.Null(await ClaimAsync(NowMs + 2 * LeaseMs));
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingExtendAsync(job with { Owner = "someone-else" }, NowMs + 5 * LeaseMs)));

        Assert.True(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(job, [Chunk(0, "first part"), Chunk(1, "second part")], 4321, "test-model")));
        var v1 = await VersionAsync(store);
        Assert.True(v1 > v0);
        var file = (await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, "file-a")))!;
        Assert.Equal((VectorStoreFileStatus.Completed, 4321L, (string?)null), (file.Status, file.UsageBytes, file.LastErrorCode));
        Assert.Equal(["first part", "second part"], await ReadAsync(s => s.VectorStores.ChunkTextsOfFileAsync(store, "file-a")));
        var vectors = await VectorsAsync(store);
        Assert.Equal([0, 1], vectors.Select(v => (int)v.Embedding[0]));
        Assert.True(vectors[0].Id < vectors[1].Id);
        // Done: no longer the owner's to extend or finish again.
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingExtendAsync(job, NowMs + LeaseMs)));
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(job, [Chunk(0, "again")], 1, "test-model")));
        Assert.Equal(v1, await VersionAsync(store));
        Assert.Null(await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(NowMs)));
    }

    [Fact]
    public async Task A_lapsed_lease_is_claimed_again_and_the_stale_owner_changes_nothing()
    {
        var store = await InsertStoreAsync();
        await InsertStoreFileAsync(store, "file-a");
        var lost = (await ClaimAsync(owner: "node-1"))!;
        Assert.Equal(1, lost.Attempt);

        // The lease holds up to its end, and lapses there.
        Assert.Null(await ClaimAsync(NowMs + LeaseMs - 1, owner: "node-2"));
        var taken = (await ClaimAsync(NowMs + LeaseMs, owner: "node-2"))!;
        Assert.Equal(("file-a", "node-2", 2), (taken.File.FileId, taken.Owner, taken.Attempt));
        var version = await VersionAsync(store);

        Assert.False(await WriteAsync(s => s.VectorStores.IndexingExtendAsync(lost, NowMs + 5 * LeaseMs)));
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(lost, [Chunk(0, "stale")], 99, "test-model")));
        Assert.False(await WriteAsync(s => s.VectorStores.IndexingFailAsync(lost, "server_error", "stale")));
        var file = (await ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(Project, store, "file-a")))!;
        Assert.Equal((VectorStoreFileStatus.InProgress, 0L), (file.Status, file.UsageBytes));
        Assert.Empty(await VectorsAsync(store));
        Assert.Equal(version, await VersionAsync(store));

        var third = (await ClaimAsync(NowMs + 3 * LeaseMs, owner: "node-3"))!;
        Assert.Equal(3, third.Attempt);
        Assert.True(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(third, [Chunk(0, "fresh")], 5, "test-model")));
        Assert.Equal(["fresh"], await ReadAsync(s => s.VectorStores.ChunkTextsOfFileAsync(store, "file-a")));
    }

    [Fact]
    public async Task The_next_due_time_is_now_while_a_file_waits_else_the_first_lease_to_lapse()
    {
        var now = NowMs;
        Assert.Null(await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(now)));
        var store = await InsertStoreAsync();
        await InsertStoreFileAsync(store, "file-a");
        await InsertStoreFileAsync(store, "file-b");
        Assert.Equal(now, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(now)));

        await ClaimAsync(now);
        Assert.Equal(now, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(now)));
        var b = (await ClaimAsync(now + 100))!;
        Assert.Equal(now + LeaseMs, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(now + 200)));
        // Past a lease's end, the file waits again: due now.
        Assert.Equal(now + LeaseMs + 5, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(now + LeaseMs + 5)));
        await WriteAsync(s => s.VectorStores.IndexingFailAsync(b, "server_error", "x"));
        Assert.Equal(now + LeaseMs, await ReadAsync(s => s.VectorStores.IndexingNextDueAsync(now + 200)));
    }

    // :: Chunks

    [Fact]
    public async Task Keyword_search_finds_the_best_matching_chunk_first_in_the_stores_asked()
    {
        var (store, other, unasked) = (await InsertStoreAsync(), await InsertStoreAsync(), await InsertStoreAsync());
        await InsertStoreFileAsync(store, "file-a");
        await InsertStoreFileAsync(other, "file-b");
        await InsertStoreFileAsync(unasked, "file-c");
        await IndexAsync([Chunk(0, "Invoices are paid within thirty days of receipt."), Chunk(1, "The weather today is sunny and warm.")]);
        await IndexAsync([Chunk(0, "Late invoices: penalties for invoices paid late, the invoice penalty schedule.")]);
        await IndexAsync([Chunk(0, "Penalties for late invoices apply everywhere.")]);
        var ids = (await VectorsAsync(store)).Concat(await VectorsAsync(other)).Select(v => v.Id).ToList();

        var found = await ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync([store, other], "late invoice penalties?", 10));
        Assert.Equal([ids[2], ids[0]], found.Select(f => f.Id));
        Assert.True(found[0].Score > found[1].Score && found[1].Score > 0, string.Join(", ", found));
        Assert.Equal([ids[2]], (await ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync([store, other], "late invoice penalties", 1))).Select(f => f.Id));
        Assert.Equal([ids[1]], (await ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync([store], "WEATHER", 10))).Select(f => f.Id));
        Assert.Empty(await ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync([store, other], "?! \"' ( -", 10)));
        Assert.Empty(await ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync([], "invoice", 10)));
        Assert.Empty(await ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync([store], "giraffe", 10)));
    }

    [Fact]
    public async Task Chunk_texts_come_with_their_file_name_and_attributes()
    {
        var store = await InsertStoreAsync();
        await InsertFileAsync("file-a", filename: "handbook.pdf");
        await InsertStoreFileAsync(store, "file-a", attributes: """{"team":"ops"}""");
        await InsertStoreFileAsync(store, "file-gone");
        await IndexAsync([Chunk(0, "one"), Chunk(1, "two")]);
        await IndexAsync([Chunk(0, "orphan")]);
        var ids = (await VectorsAsync(store)).Select(v => v.Id).ToList();

        var texts = (await ReadAsync(s => s.VectorStores.ChunkTextsAsync([ids[1], ids[2], -5]))).OrderBy(t => t.Id).ToList();
        Assert.Equal([(ids[1], store, "file-a", "handbook.pdf", "two", """{"team":"ops"}"""), (ids[2], store, "file-gone", "", "orphan", "{}")],
            texts.Select(t => (t.Id, t.VectorStoreId, t.FileId, t.Filename, t.Text, t.Attributes.Text)));
        Assert.Empty(await ReadAsync(s => s.VectorStores.ChunkTextsAsync([])));
    }

    // :: File bytes in PostgreSQL

    [PostgresFact]
    public async Task File_bytes_in_the_database_read_back_whole_in_parts()
    {
        await using var core = await CoreHarness.StartAsync();
        var content = new PostgresFileContent(core.Get<PostgresDatabase>());
        var body = new byte[3 * PostgresFileContent.PartSize + PostgresFileContent.PartSize / 2];
        new Random(7).NextBytes(body);

        Assert.Equal(body.Length, await content.WriteAsync("file-big", new MemoryStream(body), body.Length, CancellationToken.None));
        Assert.Equal(4L, await PartsAsync(core, "file-big"));
        await using (var read = (await content.OpenReadAsync("file-big", CancellationToken.None))!)
        {
            var copy = new MemoryStream();
            await read.CopyToAsync(copy, 100_000);
            Assert.True(body.AsSpan().SequenceEqual(copy.ToArray()), "the bytes read back differ");
        }

        Assert.Equal(0, await content.WriteAsync("file-empty", new MemoryStream(), 10, CancellationToken.None));
        await using (var empty = await content.OpenReadAsync("file-empty", CancellationToken.None))
            Assert.Equal(-1, empty!.ReadByte());
        Assert.Null(await content.OpenReadAsync("file-unknown", CancellationToken.None));

        await content.DeleteAsync("file-big", CancellationToken.None);
        Assert.Null(await content.OpenReadAsync("file-big", CancellationToken.None));
        Assert.Equal(0L, await PartsAsync(core, "file-big"));
    }

    [PostgresFact]
    public async Task File_bytes_past_the_limit_are_read_to_the_end_and_none_kept()
    {
        await using var core = await CoreHarness.StartAsync();
        var content = new PostgresFileContent(core.Get<PostgresDatabase>());
        var body = new MemoryStream(new byte[3 * PostgresFileContent.PartSize + 5]);

        var e = await Assert.ThrowsAsync<FileTooLargeException>(() => content.WriteAsync("file-big", body, 2 * PostgresFileContent.PartSize + 1, CancellationToken.None));
        Assert.Equal(2 * PostgresFileContent.PartSize + 1, e.MaxBytes);
        Assert.Equal(body.Length, body.Position);
        Assert.Null(await content.OpenReadAsync("file-big", CancellationToken.None));
        Assert.Equal(0L, await PartsAsync(core, "file-big"));
    }

    private static async Task<long> PartsAsync(CoreHarness core, string fileId)
    {
        await using var connection = await core.Get<PostgresDatabase>().DataSource.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM file_contents WHERE file_id = @id", connection);
        count.Parameters.AddWithValue("id", fileId);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    // :: Helpers

    private Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work) => Store.WriteAsync(work, CancellationToken.None).WaitAsync(Patience);

    private Task WriteAsync(Func<IStoreSession, ValueTask> work) => WriteAsync(async s =>
    {
        await work(s);
        return true;
    });

    private Task<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work) => Store.ReadAsync(work, CancellationToken.None).AsTask().WaitAsync(Patience);

    private Task InsertFileAsync(string id, string purpose = "assistants", string project = Project, long? expiresAt = null, string filename = "f.txt") =>
        WriteAsync(s => s.Files.FileInsertAsync(new StoredFile
        {
            Id = id, ProjectId = project, CreatedAt = NowSeconds, ExpiresAt = expiresAt, Filename = filename, Purpose = purpose, Bytes = 12,
        }));

    private async Task<string> InsertStoreAsync(string? id = null, string project = Project, long? expiresAt = -1)
    {
        id ??= Ids.VectorStore();
        await WriteAsync(s => s.VectorStores.VectorStoreInsertAsync(new VectorStore
        {
            Id = id, ProjectId = project, CreatedAt = NowSeconds, Name = "store", Description = "about", Metadata = RawJson.Trusted("""{"k":"v"}"""),
            ExpiresAfterDays = expiresAt == -1 ? 7 : null, ExpiresAt = expiresAt == -1 ? NowSeconds + 7 * 86_400 : expiresAt,
            LastActiveAt = NowSeconds, EmbeddingModel = "test-embedder",
        }));
        return id;
    }

    private Task<bool> InsertStoreFileAsync(string store, string fileId, string? batch = null, string attributes = "{}") =>
        WriteAsync(s => s.VectorStores.VectorStoreFileInsertAsync(new VectorStoreFile
        {
            VectorStoreId = store, FileId = fileId, ProjectId = Project, CreatedAt = NowSeconds, Chunking = new ChunkingStrategy(300, 50),
            Attributes = RawJson.Trusted(attributes), BatchId = batch,
        }));

    private async Task<string> InsertBatchAsync(string store, params string[] files)
    {
        var id = Ids.FileBatch();
        await WriteAsync(s => s.VectorStores.FileBatchInsertAsync(new FileBatch { Id = id, VectorStoreId = store, ProjectId = Project, CreatedAt = NowSeconds }));
        foreach (var file in files)
            await InsertStoreFileAsync(store, file, id);
        return id;
    }

    private Task<IndexingJob?> ClaimAsync(long? nowMs = null, string owner = "indexer") =>
        WriteAsync(s => s.VectorStores.IndexingClaimAsync(owner, nowMs ?? NowMs, LeaseMs));

    /// <summary>Claims the next file and completes it with <paramref name="chunks"/>.</summary>
    private async Task IndexAsync(IReadOnlyList<ChunkInsert> chunks)
    {
        var job = await ClaimAsync() ?? throw new InvalidOperationException("nothing to index");
        Assert.True(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(job, chunks, 100, "test-model")));
    }

    /// <summary>Indexes every waiting file with two chunks.</summary>
    private async Task IndexAllAsync()
    {
        while (await ClaimAsync() is { } job)
            Assert.True(await WriteAsync(s => s.VectorStores.IndexingCompleteAsync(job, [Chunk(0, "a " + job.File.FileId), Chunk(1, "b")], 100, "test-model")));
    }

    private static ChunkInsert Chunk(int index, string text) => new(index, text, text.Length, [(byte)index, 1, 2, 3]);

    private async Task<VectorStore> StoreAsync(string id) =>
        await ReadAsync(s => s.VectorStores.VectorStoreGetAsync(Project, id)) ?? throw new InvalidOperationException($"no store {id}");

    private async Task<long> VersionAsync(string store) =>
        await ReadAsync(s => s.VectorStores.ChunksVersionGetAsync(store)) ?? throw new InvalidOperationException($"no store {store}");

    private Task<List<(long Id, string FileId, byte[] Embedding)>> VectorsAsync(string store) =>
        ReadAsync(async s =>
        {
            var vectors = new List<(long, string, byte[])>();
            await s.VectorStores.ChunkVectorsReadAsync(store, (id, file, embedding) => vectors.Add((id, file, embedding)));
            return vectors;
        });
}
