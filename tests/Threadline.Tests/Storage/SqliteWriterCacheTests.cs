using System.Globalization;
using Microsoft.Data.Sqlite;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Storage;

/// <summary>
/// Issue 15, finding 8: messages to random threads of a grown store kept the SQLite writer reading
/// pages from the file, because its page cache (SQLite's default, 2 MiB) held a small part of the
/// B-trees a message touches (the thread's row and id, the message's id and its place in the
/// thread's order). Ids ordered by time took one of those off a random leaf;
/// <c>Threadline:SqliteWriterCacheMiB</c> sizes the cache. Counted, not timed: the writer's
/// page-cache misses per message, from /metrics.
/// </summary>
public sealed class SqliteWriterCacheTests(ITestOutputHelper output)
{
    private const int Threads = 30_000;
    private const int MessagesPerThread = 6;
    /// <summary>Posts that bring the pages a message touches into the writer's cache before the count.</summary>
    private const int WarmUp = 5_000;
    private const int Measured = 3_000;
    private const int Clients = 16;
    /// <summary>The default 2 MiB cache measured 2.97 per message here, 64 MiB 0.10.</summary>
    private const double MaxMissesPerMessage = 1.0;
    /// <summary>Random ids measured 0.99 per message to busy threads here, ids ordered by time 0.00.</summary>
    private const double MaxMissesPerMessageAtDefault = 0.25;
    private const int CacheMiB = 64;
    private const string MissesName = "threadline_store_writer_page_cache_misses_total";

    [SqliteFact]
    public async Task Messages_to_random_threads_of_a_grown_store_are_written_from_a_writer_cache_sized_for_it()
    {
        var perMessage = await MissesPerMessageAsync(CacheMiB);
        Assert.True(perMessage <= MaxMissesPerMessage,
            $"the writer read {perMessage:0.00} pages past its {CacheMiB} MiB page cache per message (at most {MaxMissesPerMessage}).");
    }

    /// <summary>
    /// Ids ordered by time put a new message's id at the right edge of the id index, a leaf the writer
    /// touched a moment ago, instead of on a random one of its leaves. Messages to a few busy threads
    /// of the grown store touch only their threads' pages besides, so what is left is the id index.
    /// </summary>
    [SqliteFact]
    public async Task A_new_message_id_lands_where_the_last_one_did_so_busy_threads_are_written_from_cache()
    {
        var perMessage = await MissesPerMessageAsync(cacheMiB: null, busyThreads: Clients);
        Assert.True(perMessage <= MaxMissesPerMessageAtDefault,
            $"the writer read {perMessage:0.00} pages past its default page cache per message (at most {MaxMissesPerMessageAtDefault}): " +
            "is each message's id still a random leaf of the id index?");
    }

    /// <param name="busyThreads">post to this many of the store's threads (null: to random threads of all of them)</param>
    private async Task<double> MissesPerMessageAsync(int? cacheMiB, int? busyThreads = null)
    {
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        try
        {
            // :: The server makes the schema; the store is grown in its file while it is stopped.
            await (await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory })).DisposeAsync();
            var threads = Seed(Path.Combine(dataDirectory, "threadline.db"));
            if (busyThreads is { } busy)
                threads = threads[..busy];

            await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                DataDirectory = dataDirectory,
                Arguments = cacheMiB is { } mib
                    ? new Dictionary<string, string> { ["Threadline:SqliteWriterCacheMiB"] = mib.ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string>(),
            });
            using var http = server.CreateHttpClient();
            await PostToRandomThreadsAsync(http, threads, WarmUp, seed: 1);
            var before = await MissesAsync(http);
            await PostToRandomThreadsAsync(http, threads, Measured, seed: 2);
            var perMessage = (await MissesAsync(http) - before) / Measured;

            output.WriteLine($"writer page-cache misses per message with a {(cacheMiB is { } m ? $"{m} MiB" : "default")} cache on {Threads:N0} threads / " +
                $"{Threads * MessagesPerThread:N0} messages, to {(busyThreads is { } b ? $"{b} of the threads" : "random threads")}, " +
                $"after {WarmUp:N0} to warm it: {perMessage:0.000} over {Measured:N0} messages");
            return perMessage;
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Threads and their messages with ids as earlier versions made them (24 random characters of 62),
    /// so that the ids a server makes now meet an index that spans the whole alphabet; returns the thread ids.
    /// </summary>
    private static string[] Seed(string path)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var randomId = string.Join(" || ", Enumerable.Repeat($"substr('{alphabet}', abs(random()) % 62 + 1, 1)", 24));
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var seed = connection.CreateCommand())
        {
            seed.CommandText = $$$"""
                PRAGMA synchronous = OFF;
                BEGIN;
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {{{Threads}}})
                INSERT INTO threads (id, project_id, created_at, metadata, last_position)
                SELECT 'thread_' || {{{randomId}}}, 'default', 1700000000 + i, '{}', {{{MessagesPerThread}}} FROM n;
                WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < {{{MessagesPerThread}}})
                INSERT INTO messages (id, project_id, thread_id, position, created_at, status, completed_at, role, content, metadata)
                SELECT 'msg_' || {{{randomId}}}, 'default', t.id, j << 16, t.created_at + j, 'completed', t.created_at + j, 'user',
                       '[{"type":"text","text":{"value":"Message ' || j || ' of thread ' || t.seq || ': where is my order?","annotations":[]}}]', '{}'
                FROM threads t, k ORDER BY t.seq, j;
                COMMIT;
                PRAGMA wal_checkpoint(TRUNCATE);
                """;
            seed.ExecuteNonQuery();
        }
        using var ids = connection.CreateCommand();
        ids.CommandText = "SELECT id FROM threads";
        using var reader = ids.ExecuteReader();
        var threads = new List<string>();
        while (reader.Read())
            threads.Add(reader.GetString(0));
        return [.. threads];
    }

    private static async Task PostToRandomThreadsAsync(HttpClient http, string[] threads, int count, int seed)
    {
        var random = new Random(seed);
        var targets = Enumerable.Range(0, count).Select(_ => threads[random.Next(threads.Length)]).ToArray();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                await http.PostOkAsync($"threads/{targets[i]}/messages", """{"role":"user","content":"where is my order?"}""");
        }));
    }

    /// <summary>The writer's page-cache misses so far (0 before its first).</summary>
    private static async Task<double> MissesAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith(MissesName, StringComparison.Ordinal) && line.Length > MissesName.Length && line[MissesName.Length] is '{' or ' ')
            .Select(line => line[MissesName.Length] == '{' ? line[(line.IndexOf('}') + 1)..] : line[MissesName.Length..])
            .Sum(sample => double.Parse(sample.Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }
}
