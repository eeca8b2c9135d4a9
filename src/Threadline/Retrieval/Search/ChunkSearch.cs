using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Threadline.Domain;
using Threadline.Storage;
using Threadline.VectorStores;

namespace Threadline.Retrieval.Search;

/// <summary>
/// Hybrid search over vector stores: for each phrasing, the nearest chunks by embedding (in memory,
/// <see cref="VectorIndexCache"/>) and the best by keywords (the database's full-text index), fused
/// into one ranking (<see cref="RankFusion"/>); a chunk found by several phrasings keeps its best score.
/// </summary>
internal sealed class ChunkSearch(IStore store, EmbeddingRouter embedders, VectorIndexCache vectors, RetrievalOptions options)
{
    /// <summary>How stale a store's <c>last_active_at</c> may get before a search writes it (its expiry counts from it).</summary>
    private const long ActivityResolutionSeconds = 60;

    public async Task<Outcome<IReadOnlyList<SearchHit>>> SearchAsync(SearchQuery query, CancellationToken ct)
    {
        var stores = new List<VectorStore>();
        foreach (var id in query.StoreIds.Distinct())
        {
            if (await store.ReadAsync(s => s.VectorStores.VectorStoreGetAsync(query.ProjectId, id), ct) is not { } found)
                return new NotFound("vector store", id);
            stores.Add(found);
        }
        var allowed = query.Filter is null ? null : await AllowedFilesAsync(stores, query.Filter, ct);
        var best = new Dictionary<long, double>();
        foreach (var phrasing in query.Queries)
            foreach (var (id, score) in await RankAsync(stores, phrasing, allowed, query.Weights, ct))
                best[id] = Math.Max(score, best.GetValueOrDefault(id));

        var top = best.Where(h => h.Value >= query.ScoreThreshold).OrderByDescending(h => h.Value).ThenBy(h => h.Key).Take(query.MaxResults).ToList();
        var texts = (await store.ReadAsync(s => s.VectorStores.ChunkTextsAsync(top.Select(h => h.Key).ToList()), ct)).ToDictionary(t => t.Id);
        await TouchAsync(stores, ct);
        return Outcome<IReadOnlyList<SearchHit>>.Of(top.Where(h => texts.ContainsKey(h.Key)).Select(h =>
        {
            var t = texts[h.Key];
            return new SearchHit(t.Id, t.VectorStoreId, t.FileId, t.Filename, Math.Round(h.Value, 4), t.Text, t.Attributes);
        }).ToList());
    }

    private async Task<IReadOnlyList<(long Id, double Score)>> RankAsync(
        IReadOnlyList<VectorStore> stores, string phrasing, IReadOnlySet<(string, string)>? allowed, FusionWeights weights, CancellationToken ct)
    {
        var byVector = new List<(long Id, double Score)>();
        if (weights.Vector > 0)
        {
            foreach (var model in stores.GroupBy(s => s.EmbeddingModel))
            {
                var embedded = await embedders.For(model.Key.Length == 0 ? embedders.DefaultModel : model.Key).GenerateAsync([phrasing], cancellationToken: ct);
                var q = embedded[0].Vector.Span.ToArray();
                foreach (var vs in model)
                {
                    if (await vectors.GetAsync(vs.Id, ct) is not { Index.Count: > 0 } held)
                        continue; // gone, or nothing indexed yet
                    Func<long, bool>? allow = allowed is null ? null : id => allowed.Contains((vs.Id, held.FileOfChunk[id]));
                    byVector.AddRange(held.Index.Top(q, options.Candidates, allow).Select(t => (t.Id, (double)t.Score)));
                }
            }
            byVector.Sort((a, b) => b.Score.CompareTo(a.Score));
        }
        IReadOnlyList<(long Id, double Score)> byKeyword = [];
        if (weights.Keyword > 0)
        {
            byKeyword = await store.ReadAsync(s => s.VectorStores.ChunkKeywordSearchAsync(stores.Select(v => v.Id).ToList(), phrasing, options.Candidates * 4), ct);
            if (allowed is not null && byKeyword.Count > 0)
            {
                var owners = (await store.ReadAsync(s => s.VectorStores.ChunkTextsAsync(byKeyword.Select(k => k.Id).ToList()), ct))
                    .ToDictionary(t => t.Id, t => (t.VectorStoreId, t.FileId));
                byKeyword = byKeyword.Where(k => owners.TryGetValue(k.Id, out var o) && allowed.Contains(o)).ToList();
            }
            byKeyword = byKeyword.Take(options.Candidates).ToList();
        }
        return RankFusion.Fuse(byVector.Take(options.Candidates * stores.Count).ToList(), byKeyword, weights);
    }

    /// <summary>(store, file) pairs whose attributes pass the filter.</summary>
    private async Task<IReadOnlySet<(string, string)>> AllowedFilesAsync(IReadOnlyList<VectorStore> stores, AttributeFilter filter, CancellationToken ct)
    {
        var allowed = new HashSet<(string, string)>();
        foreach (var vs in stores)
            foreach (var (fileId, attributes) in await store.ReadAsync(s => s.VectorStores.VectorStoreFileAttributesListAsync(vs.Id), ct))
                if (JsonNode.Parse(attributes.Text) is JsonObject o && filter.Matches(o))
                    allowed.Add((vs.Id, fileId));
        return allowed;
    }

    private async Task TouchAsync(IReadOnlyList<VectorStore> stores, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stale = stores.Where(v => now - v.LastActiveAt >= ActivityResolutionSeconds).ToList();
        if (stale.Count == 0)
            return;
        await store.WriteAsync(async s =>
        {
            // Read again inside the write, so that a modify made since the search began is kept.
            foreach (var v in stale)
                if (await s.VectorStores.VectorStoreGetAsync(v.ProjectId, v.Id) is { } current)
                    await s.VectorStores.VectorStoreUpdateAsync(current.Touched(s.NowMs / 1000));
            return true;
        }, ct);
    }
}
