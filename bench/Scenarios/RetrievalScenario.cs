using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 14. Vector stores (issue 12): indexing throughput in chunks/s, from <c>POST file_batches</c> to the
/// batch <c>completed</c>, with the built-in embedder on a small corpus, and with the embedding model
/// served by the fake upstream (the pipeline without the model's cost: extraction, chunking, storage,
/// FTS), which grows a store to <c>--retrieval-small-chunks</c> and then <c>--retrieval-large-chunks</c>
/// chunks; at each size, <c>POST /v1/vector_stores/{id}/search</c> latency from a few concurrent
/// clients against <c>GET /v1/vector_stores/{id}</c> on the same server (the HTTP floor), with RSS.
/// The text is generated (seeded): a Zipf-distributed vocabulary, so that keyword queries hit.
/// </summary>
internal static class RetrievalScenario
{
    private const string FakeModel = "bench-fake-embedding";
    private const int Dimensions = 384;
    private const int SearchResults = 10;

    private static readonly JsonObject BuiltInChunking = Chunking(800, 400);
    private static readonly JsonObject SmallChunking = Chunking(100, 0);

    /// <summary>One or more file batches indexed: what went in, how long from the first batch's creation to the last one's completion, and the server at each end.</summary>
    private sealed record Indexing(int Files, long Chunks, long Words, double Seconds, double UploadSeconds, ProcessSample Before, ProcessSample After)
    {
        public double ChunksPerSecond => Seconds > 0 ? Chunks / Seconds : double.NaN;
        public double ServerCores => Seconds > 0 ? (After.CpuSeconds - Before.CpuSeconds) / Seconds : double.NaN;
    }

    /// <summary>Queries measured at one store size: the first (cold) one alone, then the rest from several clients.</summary>
    private sealed record Searches(long Chunks, double FirstMs, LatencyStats Stats, long Errors, double Throughput, LatencyStats Floor, double FloorThroughput,
        ProcessSample Before, ProcessSample After, double Seconds, string? FirstError);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var corpus = new Corpus(seed: 12);
        result.Setup = $"Generated text (seeded): words drawn from a {Corpus.VocabularySize:N0}-word vocabulary (60 common English words, then made-up words) with Zipf frequencies, " +
            "sentences of 6 to 18 words, uploaded as `.txt` files with `POST /v1/files` (purpose `assistants`, not timed) and added with `POST /v1/vector_stores/{id}/file_batches`; " +
            "indexing time = from the batch's creation to `GET file_batches/{id}` answering `completed` (polled every 100 ms), chunks counted in the store. " +
            $"(1) Built-in embedder ({Dimensions} dims, in-process), Threadline with the defaults: one small file is indexed first to load the model (not counted), then " +
            $"{o.RetrievalDocuments} documents of {o.RetrievalWords:N0} words in one batch, static chunking 800 / 400 overlap. " +
            $"(2) The fake upstream as the embedding model (`Threadline:Embeddings:Model={FakeModel}`, `:BaseUrl` the fake's `/v1`; {Dimensions}-dim deterministic vectors, " +
            $"no model cost), static chunking 100 / 0, files of about {o.RetrievalChunksPerFile:N0} chunks, batches of up to 2,000 files: the store grows to " +
            $"{o.RetrievalSmallChunks:N0} chunks, search is measured, then it grows to {o.RetrievalLargeChunks:N0} and search is measured again (same server, SQLite). " +
            $"Search: `POST /v1/vector_stores/{{id}}/search` with `max_num_results` {SearchResults} and a query of 3 words of the vocabulary's ranks 30 to 3,000 " +
            $"(the fake upstream embeds each query); the first query after the store grew is timed alone (it loads the store's vectors), then {Math.Max(10, o.RetrievalQueries / 10)} warm-up " +
            $"queries, then {o.RetrievalQueries} measured ones from {o.RetrievalClients} concurrent clients (the harness's client). Baseline: `GET /v1/vector_stores/{{id}}` " +
            "on the same server, as many requests from as many clients, right before. RSS = VmRSS of the Threadline process after each step, peak = VmHWM.";

        var builtIn = await BuiltInAsync(ctx, corpus, ct);
        var (small, large, growSmall, growLarge, fakeRss) = await FakeEmbedderAsync(ctx, corpus, ct);

        var smallRow = new ResultRow
        {
            System = $"Threadline, fake-upstream embedder, 0 → {small.Chunks:N0} chunks",
            Operation = "index (chunks/s), 100-token chunks",
            Count = growSmall.Chunks,
            ThroughputPerSecond = Format.Finite(growSmall.ChunksPerSecond),
            PeakRssMb = growSmall.After.PeakRssMb,
            RssAfterMb = growSmall.After.RssMb,
        };
        result.Row(new ResultRow
        {
            System = "Threadline, built-in embedder",
            Operation = "index (chunks/s), 800 / 400 chunks",
            Count = builtIn.Index.Chunks,
            ThroughputPerSecond = Format.Finite(builtIn.Index.ChunksPerSecond),
            PeakRssMb = builtIn.Index.After.PeakRssMb,
            RssAfterMb = builtIn.Index.After.RssMb,
        }.ComparedTo(smallRow));
        result.Row(smallRow);
        result.Row(new ResultRow
        {
            System = $"Threadline, fake-upstream embedder, {small.Chunks:N0} → {large.Chunks:N0} chunks",
            Operation = "index (chunks/s), 100-token chunks",
            Count = growLarge.Chunks,
            ThroughputPerSecond = Format.Finite(growLarge.ChunksPerSecond),
            PeakRssMb = growLarge.After.PeakRssMb,
            RssAfterMb = growLarge.After.RssMb,
        }.ComparedTo(smallRow));

        var floorSmall = ResultRow.From($"Threadline, {small.Chunks:N0} chunks", $"GET vector_stores/{{id}}, {o.RetrievalClients} clients (baseline)",
            small.Floor, 0, small.FloorThroughput, small.Before);
        var searchSmall = ResultRow.From($"Threadline, {small.Chunks:N0} chunks", $"POST search, {o.RetrievalClients} clients",
            small.Stats, small.Errors, small.Throughput, small.After).ComparedTo(floorSmall);
        var floorLarge = ResultRow.From($"Threadline, {large.Chunks:N0} chunks", $"GET vector_stores/{{id}}, {o.RetrievalClients} clients (baseline)",
            large.Floor, 0, large.FloorThroughput, large.Before);
        var searchLarge = ResultRow.From($"Threadline, {large.Chunks:N0} chunks", $"POST search, {o.RetrievalClients} clients",
            large.Stats, large.Errors, large.Throughput, large.After).ComparedTo(searchSmall);
        result.Row(floorSmall);
        result.Row(searchSmall);
        result.Row(floorLarge);
        result.Row(searchLarge);
        result.Chart($"search, {small.Chunks:N0} chunks", small.Stats.Cdf());
        result.Chart($"search, {large.Chunks:N0} chunks", large.Stats.Cdf());
        result.Chart($"GET vector store, {large.Chunks:N0} chunks", large.Floor.Cdf());

        result.Detail("built-in: model warm-up (first small file, batch to completed, s)", builtIn.WarmupSeconds);
        Describe("built-in, corpus", builtIn.Index);
        Describe($"fake-upstream, 0 → {small.Chunks:N0} chunks", growSmall);
        Describe($"fake-upstream, {small.Chunks:N0} → {large.Chunks:N0} chunks", growLarge);
        result.Detail($"built-in: search of {builtIn.Index.Chunks:N0} chunks, one query (ms), with the model embedding the query", builtIn.SearchMs);
        foreach (var s in new[] { small, large })
        {
            result.Detail($"search at {s.Chunks:N0} chunks: first query after growing (ms, loads the vectors)", s.FirstMs);
            result.Detail($"search at {s.Chunks:N0} chunks: p50 / p95 / p99 / max (ms)", $"{Format.Ms(s.Stats.P50)} / {Format.Ms(s.Stats.P95)} / {Format.Ms(s.Stats.P99)} / {Format.Ms(s.Stats.Max)}");
            result.Detail($"search at {s.Chunks:N0} chunks: server CPU (cores) while measured", s.Seconds > 0 ? (s.After.CpuSeconds - s.Before.CpuSeconds) / s.Seconds : null);
            result.Detail($"search at {s.Chunks:N0} chunks: RSS before / after the queries / peak (MB)", $"{s.Before.RssMb:0.0} / {s.After.RssMb:0.0} / {s.After.PeakRssMb:0.0}");
            if (s.FirstError is { } error)
                result.Detail($"search at {s.Chunks:N0} chunks: first error", error);
        }
        result.Detail("fake-upstream server: RSS idle after start (MB)", fakeRss.Idle);
        result.Detail("fake-upstream server: database file and WAL at the end (MB)", fakeRss.DbMb);
        result.Detail("fake upstream process: RSS at the end (MB)", fakeRss.Fake);
        result.Warnings(builtIn.Server, "Threadline, built-in embedder");
        result.Warnings(fakeRss.Server, "Threadline, fake-upstream embedder");

        void Describe(string name, Indexing x)
        {
            result.Detail($"{name}: files / chunks / words", $"{x.Files:N0} / {x.Chunks:N0} / {x.Words:N0}");
            result.Detail($"{name}: indexing (s), chunks/s, words/s", $"{x.Seconds:0.0}, {Format.Num(x.ChunksPerSecond, "0.0")}, {x.Words / x.Seconds:0}");
            result.Detail($"{name}: server CPU (cores) while indexing; CPU ms per chunk", $"{x.ServerCores:0.00}; {Format.Num(x.Chunks > 0 ? (x.After.CpuSeconds - x.Before.CpuSeconds) * 1000 / x.Chunks : null, "0.00")}");
            result.Detail($"{name}: upload (s, not in the indexing time)", x.UploadSeconds);
            result.Detail($"{name}: RSS before / after / peak (MB)", $"{x.Before.RssMb:0.0} / {x.After.RssMb:0.0} / {x.After.PeakRssMb:0.0}");
        }
    }

    private sealed record BuiltInRun(Indexing Index, double WarmupSeconds, double SearchMs, ServiceProcess Server);

    private static async Task<BuiltInRun> BuiltInAsync(BenchContext ctx, Corpus corpus, CancellationToken ct)
    {
        var o = ctx.Options;
        var dir = ctx.NewDataDirectory("retrieval-builtin");
        await using var server = await ctx.StartThreadlineAsync(dir, [], ct);
        using var http = Http.Client(server.BaseUrl);
        await using var db = new ServerDatabase(dir);
        var store = await CreateStoreAsync(http, "bench built-in", ct);

        var rng = new Random(1);
        var warm = Stopwatch.StartNew();
        var warmFile = await UploadAsync(http, "warmup.txt", corpus.Document(rng, 200), ct);
        await BatchAsync(http, store, [warmFile], BuiltInChunking, ct);
        var warmupSeconds = warm.Elapsed.TotalSeconds;
        ctx.Log($"built-in: model warm-up file indexed in {warmupSeconds:0.0} s");

        var index = await IndexAsync(ctx, http, db, server, store, corpus, rng, o.RetrievalDocuments, o.RetrievalWords, BuiltInChunking, ct);
        ctx.Log($"built-in: {index.Chunks:N0} chunks of {index.Files} documents in {index.Seconds:0.0} s: {index.ChunksPerSecond:0.0} chunks/s, server {index.ServerCores:0.00} cores, RSS {index.After.RssMb:0} MB (peak {index.After.PeakRssMb:0})");

        var t0 = Stopwatch.GetTimestamp();
        await SearchOnceAsync(http, store, corpus.Query(rng), ct);
        var searchMs = LatencyRecorder.Ms(t0);
        await server.StopAsync();
        ctx.Discard(dir);
        return new BuiltInRun(index, warmupSeconds, searchMs, server);
    }

    private sealed record FakeMemory(double Idle, double DbMb, double Fake, ServiceProcess Server);

    private static async Task<(Searches Small, Searches Large, Indexing GrowSmall, Indexing GrowLarge, FakeMemory Memory)> FakeEmbedderAsync(
        BenchContext ctx, Corpus corpus, CancellationToken ct)
    {
        var o = ctx.Options;
        await using var fake = await ctx.StartFakeEmbedderAsync(Dimensions, ct);
        var dir = ctx.NewDataDirectory("retrieval-fake");
        await using var server = await ctx.StartThreadlineAsync(dir,
            [$"--Threadline:Embeddings:Model={FakeModel}", $"--Threadline:Embeddings:BaseUrl={fake.BaseUrl}v1"], ct);
        using var http = Http.Client(server.BaseUrl);
        await using var db = new ServerDatabase(dir);
        await Task.Delay(TimeSpan.FromSeconds(o.Smoke ? 0.2 : 2), ct);
        var idle = server.Sample();
        var store = await CreateStoreAsync(http, "bench fake embedder", ct);
        var rng = new Random(2);

        var calibration = new Calibration();
        var growSmall = await GrowAsync(ctx, http, db, server, store, corpus, rng, o.RetrievalSmallChunks, calibration, ct);
        var small = await MeasureSearchAsync(ctx, http, server, store, corpus, growSmall.Chunks, ct);
        var growLarge = await GrowAsync(ctx, http, db, server, store, corpus, rng, o.RetrievalLargeChunks, calibration, ct);
        var large = await MeasureSearchAsync(ctx, http, server, store, corpus, growSmall.Chunks + growLarge.Chunks, ct);

        var dbMb = new[] { db.Path, db.Path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length) / 1024.0 / 1024.0;
        var fakeRss = fake.Sample().RssMb;
        await server.StopAsync();
        ctx.Discard(dir);
        return (small, large, growSmall, growLarge, new FakeMemory(idle.RssMb, dbMb, fakeRss, server));
    }

    /// <summary>Words per 100-token chunk of the generated text: a guess until a batch has measured it.</summary>
    private sealed class Calibration
    {
        public double WordsPerChunk { get; set; } = 70;
        public bool Measured { get; set; }
    }

    /// <summary>
    /// Adds files of 100-token chunks until the store holds about <paramref name="target"/> chunks: while the words
    /// per chunk are only guessed, a first batch aims at 60% of what is missing and measures them; a second one tops up.
    /// </summary>
    private static async Task<Indexing> GrowAsync(BenchContext ctx, HttpClient http, ServerDatabase db, ServiceProcess server, string store,
        Corpus corpus, Random rng, int target, Calibration calibration, CancellationToken ct)
    {
        var o = ctx.Options;
        var start = await ChunkCountAsync(db, ct);
        var parts = new List<Indexing>();
        for (var round = 0; round < 4; round++)
        {
            var have = start + parts.Sum(p => p.Chunks);
            var missing = target - have;
            if (missing < Math.Max(1, target / 200))
                break;
            if (!calibration.Measured)
                missing = Math.Max(1, missing * 6 / 10);
            var files = (int)Math.Ceiling(missing / (double)Math.Max(1, o.RetrievalChunksPerFile));
            var words = (int)Math.Max(1, Math.Round(missing / (double)files * calibration.WordsPerChunk));
            var part = await IndexAsync(ctx, http, db, server, store, corpus, rng, files, words, SmallChunking, ct);
            parts.Add(part);
            if (part.Chunks > 0)
            {
                calibration.WordsPerChunk = (double)part.Words / part.Chunks;
                calibration.Measured = true;
            }
            ctx.Log($"fake embedder: +{part.Chunks:N0} chunks ({part.Files} files of {words:N0} words) in {part.Seconds:0.0} s: {part.ChunksPerSecond:0} chunks/s, " +
                $"server {part.ServerCores:0.00} cores, RSS {part.After.RssMb:0} MB (peak {part.After.PeakRssMb:0}); store {have + part.Chunks:N0} chunks");
        }
        if (parts.Count == 0)
        {
            var now = server.Sample();
            return new Indexing(0, 0, 0, 0, 0, now, now);
        }
        return new Indexing(parts.Sum(p => p.Files), parts.Sum(p => p.Chunks), parts.Sum(p => p.Words), parts.Sum(p => p.Seconds),
            parts.Sum(p => p.UploadSeconds), parts[0].Before, parts[^1].After);
    }

    /// <summary>Uploads <paramref name="files"/> generated documents (not timed), then adds them in batches of up to 2,000 and times them to completed.</summary>
    private static async Task<Indexing> IndexAsync(BenchContext ctx, HttpClient http, ServerDatabase db, ServiceProcess server, string store,
        Corpus corpus, Random rng, int files, int words, JsonObject chunking, CancellationToken ct)
    {
        var texts = Enumerable.Range(0, files).Select(_ => corpus.Document(rng, words)).ToList();
        var ids = new string[files];
        var upload = Stopwatch.StartNew();
        var prefix = Guid.NewGuid().ToString("N")[..8];
        await BenchContext.ForAsync(files, 2, async (i, ct) => ids[i] = await UploadAsync(http, $"doc-{prefix}-{i:D5}.txt", texts[i], ct), ct);
        var uploadSeconds = upload.Elapsed.TotalSeconds;
        var before = await ChunkCountAsync(db, ct);
        var serverBefore = server.Sample();
        var clock = Stopwatch.StartNew();
        foreach (var batch in ids.Chunk(2000))
            await BatchAsync(http, store, batch, chunking, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var serverAfter = server.Sample();
        var chunks = await ChunkCountAsync(db, ct) - before;
        ctx.Log($"indexed {files} files of {words:N0} words: {chunks:N0} chunks in {seconds:0.0} s (uploaded in {uploadSeconds:0.0} s)");
        return new Indexing(files, chunks, (long)files * words, seconds, uploadSeconds, serverBefore, serverAfter);
    }

    private static async Task<Searches> MeasureSearchAsync(BenchContext ctx, HttpClient http, ServiceProcess server, string store, Corpus corpus,
        long chunks, CancellationToken ct)
    {
        var o = ctx.Options;
        var rng = new Random(3);
        var t0 = Stopwatch.GetTimestamp();
        await SearchOnceAsync(http, store, corpus.Query(rng), ct);
        var firstMs = LatencyRecorder.Ms(t0);

        var warmup = Math.Max(10, o.RetrievalQueries / 10);
        await BenchContext.ForAsync(warmup, o.RetrievalClients, async (_, ct) => await SearchOnceAsync(http, store, corpus.Query(new Random(rng.Next())), ct), ct);

        // The floor: the cheapest request about the store, from as many clients.
        var (floor, _, floorSeconds, _) = await TimedAsync(o.RetrievalQueries, o.RetrievalClients, async (_, ct) =>
        {
            using var response = await http.GetAsync($"v1/vector_stores/{store}", ct);
            await Http.ReadAsync(response, ct);
        }, ct);

        var queries = Enumerable.Range(0, o.RetrievalQueries).Select(_ => corpus.Query(rng)).ToArray();
        var before = server.Sample();
        var (stats, errors, seconds, firstError) = await TimedAsync(o.RetrievalQueries, o.RetrievalClients, (i, ct) => SearchOnceAsync(http, store, queries[i], ct), ct);
        var after = server.Sample();
        var result = new Searches(chunks, firstMs, stats, errors, stats.Count / seconds, floor, floor.Count / floorSeconds, before, after, seconds, firstError);
        ctx.Log($"search at {chunks:N0} chunks: first {firstMs:0.0} ms; p50 {stats.P50:0.00} ms, p99 {stats.P99:0.00} ms, {result.Throughput:0}/s ({o.RetrievalClients} clients, {errors} errors); " +
            $"GET store p50 {floor.P50:0.00} ms p99 {floor.P99:0.00} ms; RSS {after.RssMb:0} MB (peak {after.PeakRssMb:0})");
        return result;
    }

    /// <summary><paramref name="count"/> requests from <paramref name="clients"/> at once; latencies of those that succeeded, errors, and the wall time.</summary>
    private static async Task<(LatencyStats Stats, long Errors, double Seconds, string? FirstError)> TimedAsync(int count, int clients,
        Func<int, CancellationToken, Task> request, CancellationToken ct)
    {
        var recorder = new LatencyRecorder();
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        await BenchContext.ForAsync(count, clients, async (i, ct) =>
        {
            var t0 = Stopwatch.GetTimestamp();
            try
            {
                await request(i, ct);
                recorder.Add(LatencyRecorder.Ms(t0));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref firstError, e.Message, null);
                recorder.Error();
            }
        }, ct);
        return (recorder.Stats(), recorder.Errors, clock.Elapsed.TotalSeconds, firstError);
    }

    private static async Task SearchOnceAsync(HttpClient http, string store, string query, CancellationToken ct)
    {
        var page = await Http.PostAsync(http, $"v1/vector_stores/{store}/search", new JsonObject { ["query"] = query, ["max_num_results"] = SearchResults }, ct);
        if (page["data"] is not JsonArray)
            throw new InvalidOperationException($"search answered without data: {Http.Truncate(page.ToJsonString())}");
    }

    private static async Task<string> CreateStoreAsync(HttpClient http, string name, CancellationToken ct) =>
        (string)(await Http.PostAsync(http, "v1/vector_stores", new JsonObject { ["name"] = name }, ct))["id"]!;

    private static async Task<string> UploadAsync(HttpClient http, string filename, string text, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("assistants"), "purpose");
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", filename);
        using var response = await http.PostAsync("v1/files", form, ct);
        return (string)(await Http.ReadAsync(response, ct))["id"]!;
    }

    /// <summary>Creates a file batch and polls it until it leaves <c>in_progress</c>; throws unless every file completed.</summary>
    private static async Task BatchAsync(HttpClient http, string store, IReadOnlyList<string> fileIds, JsonObject chunking, CancellationToken ct)
    {
        var body = new JsonObject { ["file_ids"] = new JsonArray(fileIds.Select(id => (JsonNode)id).ToArray()), ["chunking_strategy"] = chunking.DeepClone() };
        var batch = await Http.PostAsync(http, $"v1/vector_stores/{store}/file_batches", body, ct);
        var id = (string)batch["id"]!;
        while ((string?)batch["status"] == "in_progress")
        {
            await Task.Delay(100, ct);
            batch = await Http.GetAsync(http, $"v1/vector_stores/{store}/file_batches/{id}", ct);
        }
        var counts = batch["file_counts"];
        if ((string?)batch["status"] != "completed" || (int?)counts?["failed"] > 0)
            throw new InvalidOperationException($"file batch {id} ended {batch["status"]}: {Http.Truncate(batch.ToJsonString())}");
    }

    private static Task<long> ChunkCountAsync(ServerDatabase db, CancellationToken ct) => db.ScalarAsync<long>("SELECT count(*) FROM chunks", ct);

    private static JsonObject Chunking(int max, int overlap) => new()
    {
        ["type"] = "static",
        ["static"] = new JsonObject { ["max_chunk_size_tokens"] = max, ["chunk_overlap_tokens"] = overlap },
    };

    /// <summary>
    /// Deterministic text: a vocabulary of common English words followed by made-up ones, drawn with Zipf
    /// frequencies (rank r with weight 1/r), in sentences; queries are words of middling frequency.
    /// </summary>
    private sealed class Corpus
    {
        public const int VocabularySize = 20_000;

        private static readonly string[] Common =
        [
            "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he", "this", "are",
            "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
            "been", "if", "more", "when", "will", "would", "who", "so", "no", "she", "other", "its", "may", "these", "what", "them", "than", "some", "him", "time",
        ];

        private readonly string[] _words;
        private readonly double[] _cumulative;

        public Corpus(int seed)
        {
            var rng = new Random(seed);
            const string consonants = "bcdfghjklmnprstvwz";
            const string vowels = "aeiou";
            const string endings = "nrsltm";
            var seen = new HashSet<string>(Common, StringComparer.Ordinal);
            var words = new List<string>(Common);
            var b = new StringBuilder();
            while (words.Count < VocabularySize)
            {
                b.Clear();
                var syllables = rng.Next(2, 4);
                for (var s = 0; s < syllables; s++)
                {
                    b.Append(consonants[rng.Next(consonants.Length)]).Append(vowels[rng.Next(vowels.Length)]);
                    if (rng.Next(3) == 0)
                        b.Append(endings[rng.Next(endings.Length)]);
                }
                var word = b.ToString();
                if (seen.Add(word))
                    words.Add(word);
            }
            _words = words.ToArray();
            _cumulative = new double[_words.Length];
            var sum = 0.0;
            for (var r = 0; r < _words.Length; r++)
                _cumulative[r] = sum += 1.0 / (r + 1);
            for (var r = 0; r < _words.Length; r++)
                _cumulative[r] /= sum;
        }

        private string Word(Random rng)
        {
            var i = Array.BinarySearch(_cumulative, rng.NextDouble());
            return _words[Math.Min(i < 0 ? ~i : i, _words.Length - 1)];
        }

        public string Document(Random rng, int words)
        {
            var b = new StringBuilder(words * 7);
            var written = 0;
            var sentences = 0;
            while (written < words)
            {
                var length = Math.Min(rng.Next(6, 19), words - written);
                for (var i = 0; i < length; i++)
                {
                    var word = Word(rng);
                    if (i == 0)
                        b.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
                    else
                        b.Append(' ').Append(word);
                }
                written += length;
                b.Append(++sentences % 6 == 0 ? ".\n\n" : ". ");
            }
            return b.ToString();
        }

        public string Query(Random rng) => string.Join(' ', Enumerable.Range(0, 3).Select(_ => _words[rng.Next(30, 3000)]));
    }
}
