using System.Text.Json;

namespace Threadline.Tests.Retrieval;

/// <summary>
/// A retrieval quality corpus: short documents and one question each, and recall@k over any search.
/// <c>Retrieval/Corpus</c> (<see cref="Load()"/>): 30 documents on distinct topics, about half the questions
/// worded away from their document. <c>Retrieval/HardCorpus</c>: 30 documents in three clusters of ten
/// near-neighbour topics, questions paraphrased or hinging on one exact term.
/// </summary>
internal sealed class RetrievalCorpus
{
    private RetrievalCorpus(IReadOnlyList<(string Name, string Text)> documents, IReadOnlyList<(string Question, string Document)> questions)
    {
        Documents = documents;
        Questions = questions;
    }

    public IReadOnlyList<(string Name, string Text)> Documents { get; }

    public IReadOnlyList<(string Question, string Document)> Questions { get; }

    public static RetrievalCorpus Load() => Load("Corpus");

    /// <param name="folder">The corpus's folder under <c>Retrieval</c> in the output folder: <c>Corpus</c> or <c>HardCorpus</c>.</param>
    public static RetrievalCorpus Load(string folder)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Retrieval", folder);
        var documents = Directory.GetFiles(Path.Combine(root, "docs"), "*.md")
            .Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), File.ReadAllText(path)))
            .ToList();
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "questions.json")));
        var questions = json.RootElement.EnumerateArray()
            .Select(q => (q.GetProperty("question").GetString()!, q.GetProperty("document").GetString()!))
            .ToList();
        return new RetrievalCorpus(documents, questions);
    }

    /// <summary>
    /// The share of questions whose document is among the first <paramref name="k"/> distinct documents
    /// <paramref name="search"/> returns (document names, best first).
    /// </summary>
    public async Task<double> RecallAsync(Func<string, int, Task<IReadOnlyList<string>>> search, int k)
    {
        var found = 0;
        foreach (var (question, document) in Questions)
        {
            var names = await search(question, k);
            if (names.Distinct(StringComparer.Ordinal).Take(k).Contains(document, StringComparer.Ordinal)) found++;
        }
        return (double)found / Questions.Count;
    }

    /// <summary>
    /// The mean over questions of 1 / (rank of the question's document), 0 when it is not returned:
    /// it still tells methods apart when recall@k is at its ceiling.
    /// </summary>
    public async Task<double> MeanReciprocalRankAsync(Func<string, int, Task<IReadOnlyList<string>>> search)
    {
        var sum = 0.0;
        foreach (var (question, document) in Questions)
        {
            var rank = (await search(question, int.MaxValue)).Distinct(StringComparer.Ordinal).ToList().IndexOf(document);
            if (rank >= 0) sum += 1.0 / (rank + 1);
        }
        return sum / Questions.Count;
    }
}
