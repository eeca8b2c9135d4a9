using System.Text;
using Threadline.Domain;
using Threadline.Files;
using Threadline.Retrieval;
using Threadline.Retrieval.Indexing;
using Threadline.Retrieval.Search;
using Threadline.Storage;
using Threadline.Tests.Infrastructure;
using Threadline.VectorStores;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Retrieval;

/// <summary>
/// Retrieval quality through the server's own path: each corpus document uploaded as a file
/// (<see cref="FileService"/>), all of them in one vector store (<see cref="VectorStoreService"/>),
/// indexed by the <see cref="FileIndexer"/> (built-in embedder, SQLite FTS5), and each question asked of
/// <see cref="ChunkSearch"/> with vector only, keyword only, the default fusion and a few other weights.
/// The issue: on paraphrased questions an equal-weight fusion can rank worse than vector similarity
/// alone; hybrid must never be worse than either part on the corpus.
/// </summary>
public sealed class SearchQualityTests(ITestOutputHelper output)
{
    /// <summary>Deep enough for every chunk of a corpus: recall@k reads the first k of it (the search sorts, then takes), MRR all of it.</summary>
    private const int Depth = 100;

    private static readonly (string Name, FusionWeights Weights)[] Methods =
    [
        ("vector only", FusionWeights.VectorOnly),
        ("keyword only", FusionWeights.KeywordOnly),
        ($"default {FusionWeights.Default.Vector}/{FusionWeights.Default.Keyword}", FusionWeights.Default),
        ("equal 0.5/0.5", new FusionWeights(0.5, 0.5)),
        ("0.6/0.4", new FusionWeights(0.6, 0.4)),
        ("0.8/0.2", new FusionWeights(0.8, 0.2)),
        ("0.9/0.1", new FusionWeights(0.9, 0.1)),
    ];

    [Theory]
    [InlineData("Corpus")]
    [InlineData("HardCorpus")]
    public async Task Default_fusion_is_never_below_vector_or_keyword_search(string folder)
    {
        var corpus = RetrievalCorpus.Load(folder);
        Assert.Equal(30, corpus.Documents.Count);
        Assert.Equal(30, corpus.Questions.Count);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;
        await using var harness = await CoreHarness.StartAsync();

        var (storeId, documentOfFile) = await IndexAsync(harness, corpus, ct);
        var search = harness.Get<ChunkSearch>();
        var figures = new Dictionary<FusionWeights, Figures>();
        output.WriteLine($"{folder}: {corpus.Documents.Count} documents, {corpus.Questions.Count} questions, through ChunkSearch");
        output.WriteLine($"{"method",-14} recall@1 recall@5   MRR   missed@5");
        foreach (var (name, weights) in Methods)
        {
            var ranks = new List<int>();
            foreach (var (question, document) in corpus.Questions)
            {
                var hits = (await search.SearchAsync(new SearchQuery(CoreHarness.Project, [storeId], [question], Depth, 0, null) { Weights = weights }, ct)).Value!;
                ranks.Add(hits.Select(h => documentOfFile[h.FileId]).Distinct(StringComparer.Ordinal).ToList().IndexOf(document));
            }
            var f = new Figures(ranks);
            figures[weights] = f;
            var missed = corpus.Questions.Select((q, i) => (q.Document, Rank: ranks[i])).Where(x => x.Rank is < 0 or >= 5).Select(x => x.Document[..2]);
            output.WriteLine($"{name,-14} {f.RecallAt(1),8:F3} {f.RecallAt(5),8:F3} {f.Mrr,6:F3}   {string.Join(' ', missed)}");
        }

        var (vector, keyword, hybrid) = (figures[FusionWeights.VectorOnly], figures[FusionWeights.KeywordOnly], figures[FusionWeights.Default]);
        if (folder == "Corpus")
            Assert.True(vector.RecallAt(5) >= 0.8, $"vector recall@5 {vector.RecallAt(5)}");
        Assert.True(hybrid.RecallAt(5) >= Math.Max(vector.RecallAt(5), keyword.RecallAt(5)),
            $"hybrid recall@5 {hybrid.RecallAt(5)}, vector {vector.RecallAt(5)}, keyword {keyword.RecallAt(5)}");
        Assert.True(hybrid.RecallAt(1) >= Math.Max(vector.RecallAt(1), keyword.RecallAt(1)),
            $"hybrid recall@1 {hybrid.RecallAt(1)}, vector {vector.RecallAt(1)}, keyword {keyword.RecallAt(1)}");
    }

    /// <summary>Uploads every document, makes one store of them all and runs the indexer until its queue is empty.</summary>
    private static async Task<(string StoreId, IReadOnlyDictionary<string, string> DocumentOfFile)> IndexAsync(CoreHarness harness, RetrievalCorpus corpus, CancellationToken ct)
    {
        var files = harness.Get<FileService>();
        var documentOfFile = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in corpus.Documents)
        {
            using var body = new MemoryStream(Encoding.UTF8.GetBytes(text));
            var (fileId, bytes) = await files.WriteContentAsync(body, ct);
            await files.CreateAsync(CoreHarness.Project, fileId, bytes, name, "assistants", null, ct);
            documentOfFile[fileId] = name;
        }
        var store = (await harness.Get<VectorStoreService>().CreateAsync(CoreHarness.Project, new VectorStoreSettings
        {
            Name = "quality",
            Files = documentOfFile.Keys.Select(id => new FileToAdd(id, ChunkingStrategy.Auto, RawJson.EmptyObject)).ToList(),
        }, ct)).Value!;

        var indexer = harness.Hosted<FileIndexer>();
        while (await indexer.RunOnceAsync(ct) != Timeout.InfiniteTimeSpan)
        {
        }
        var listed = (await harness.Get<VectorStoreService>().ListFilesAsync(CoreHarness.Project, store.Id, null, null, PageRequest.All, ct)).Value!;
        Assert.Equal(corpus.Documents.Count, listed.Items.Count);
        Assert.All(listed.Items, f => Assert.Equal(VectorStoreFileStatus.Completed, f.Status));
        return (store.Id, documentOfFile);
    }

    /// <summary>Each question's rank of its document (0 first, -1 not returned).</summary>
    private sealed record Figures(IReadOnlyList<int> Ranks)
    {
        public double RecallAt(int k) => (double)Ranks.Count(r => r >= 0 && r < k) / Ranks.Count;

        public double Mrr => Ranks.Sum(r => r >= 0 ? 1.0 / (r + 1) : 0) / Ranks.Count;
    }
}
