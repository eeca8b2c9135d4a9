using Microsoft.Data.Sqlite;
using Threadline.Retrieval;

namespace Threadline.Tests.Retrieval;

/// <summary>
/// The corpus indexed as a vector store would be: chunked (auto), embedded into a <see cref="VectorIndex"/>,
/// and in a SQLite FTS5 table with the store's definition, ranked by <c>bm25()</c>.
/// </summary>
internal sealed class CorpusSearch : IDisposable
{
    /// <summary>Candidates taken from each ranking before fusion.</summary>
    public const int Candidates = 20;

    private readonly BuiltInEmbeddingGenerator _embedder = new();
    private readonly SqliteConnection _sqlite = new("Data Source=:memory:");
    private readonly Dictionary<long, string> _documentOf = [];
    private readonly Dictionary<string, float[]> _questionVectors = [];
    private VectorIndex _vectors = null!;

    private CorpusSearch()
    {
    }

    public static async Task<CorpusSearch> BuildAsync(RetrievalCorpus corpus)
    {
        var search = new CorpusSearch();
        await search.IndexAsync(corpus);
        return search;
    }

    private async Task IndexAsync(RetrievalCorpus corpus)
    {
        _sqlite.Open();
        Execute("""
            CREATE TABLE chunks (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
            CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61');
            """);
        var chunks = new List<(long Id, string Text)>();
        foreach (var (name, text) in corpus.Documents)
            foreach (var chunk in Chunker.Shared.Split(text, ChunkingStrategy.Auto))
            {
                var id = chunks.Count + 1;
                chunks.Add((id, chunk.Text));
                _documentOf[id] = name;
            }

        using (var insert = _sqlite.CreateCommand())
        {
            insert.CommandText = "INSERT INTO chunks (id, text) VALUES ($id, $text)";
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var text = insert.Parameters.Add("$text", SqliteType.Text);
            foreach (var chunk in chunks)
            {
                id.Value = chunk.Id;
                text.Value = chunk.Text;
                insert.ExecuteNonQuery();
            }
        }
        Execute("INSERT INTO chunks_fts (rowid, text) SELECT id, text FROM chunks");

        var embeddings = await _embedder.GenerateAsync(chunks.Select(c => c.Text));
        _vectors = new VectorIndex(BuiltInEmbeddingGenerator.Dimensions, chunks.Count);
        for (var i = 0; i < chunks.Count; i++) _vectors.Add(chunks[i].Id, embeddings[i].Vector.Span);
        _vectors.Freeze();
    }

    public async Task<IReadOnlyList<(long Id, double Score)>> VectorAsync(string question)
    {
        if (!_questionVectors.TryGetValue(question, out var vector))
            _questionVectors[question] = vector = (await _embedder.GenerateAsync([question]))[0].Vector.ToArray();
        return _vectors.Top(vector, Candidates).Select(c => (c.Id, (double)c.Score)).ToList();
    }

    /// <summary>bm25() is lower for better matches; negated here so higher is better, as fusion expects.</summary>
    public IReadOnlyList<(long Id, double Score)> Keyword(string question)
    {
        if (KeywordQuery.ToFts5(question) is not { } match) return [];
        using var select = _sqlite.CreateCommand();
        select.CommandText = "SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH $match ORDER BY bm25(chunks_fts) LIMIT $limit";
        select.Parameters.AddWithValue("$match", match);
        select.Parameters.AddWithValue("$limit", Candidates);
        using var reader = select.ExecuteReader();
        var ranking = new List<(long, double)>();
        while (reader.Read()) ranking.Add((reader.GetInt64(0), reader.GetDouble(1)));
        return ranking;
    }

    public IReadOnlyList<string> Documents(IEnumerable<(long Id, double Score)> ranking) =>
        ranking.Select(c => _documentOf[c.Id]).Distinct(StringComparer.Ordinal).ToList();

    private void Execute(string sql)
    {
        using var command = _sqlite.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _sqlite.Dispose();
}
