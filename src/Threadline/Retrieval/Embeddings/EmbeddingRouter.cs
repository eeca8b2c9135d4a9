using System.ClientModel;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Threadline.Retrieval;

/// <summary>
/// The embedding generator for a model name: the built-in model by its name, every other name through
/// the configured OpenAI-compatible endpoint. One generator per model, kept for the process.
/// </summary>
internal sealed class EmbeddingRouter : IDisposable
{
    private readonly EmbeddingOptions _options;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _builtIn;
    private readonly Lazy<OpenAIClient>? _remote;
    private readonly ConcurrentDictionary<string, IEmbeddingGenerator<string, Embedding<float>>> _byModel = new(StringComparer.Ordinal);

    public EmbeddingRouter(EmbeddingOptions options, IEmbeddingGenerator<string, Embedding<float>>? builtIn = null)
    {
        _options = options;
        _builtIn = builtIn ?? new BuiltInEmbeddingGenerator();
        if (options.BaseUrl is { } baseUrl)
            _remote = new(() => new OpenAIClient(
                new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey),
                new OpenAIClientOptions { Endpoint = new Uri(baseUrl) }));
    }

    public string DefaultModel => _options.Model;

    /// <summary>Whether <see cref="For"/> would answer for <paramref name="model"/>.</summary>
    public bool Serves(string model) => _options.IsBuiltIn(model) || (_remote is not null && !string.IsNullOrWhiteSpace(model));

    /// <exception cref="InvalidOperationException">No endpoint is configured for a model other than the built-in one.</exception>
    public IEmbeddingGenerator<string, Embedding<float>> For(string model)
    {
        if (_options.IsBuiltIn(model)) return _builtIn;
        if (_remote is null || string.IsNullOrWhiteSpace(model))
            throw new InvalidOperationException(
                $"The embedding model '{model}' is not the built-in {BuiltInEmbeddingGenerator.ModelName} and no OpenAI-compatible endpoint is configured (Threadline:Embeddings:BaseUrl).");
        return _byModel.GetOrAdd(model, m => _remote.Value.GetEmbeddingClient(m).AsIEmbeddingGenerator());
    }

    public void Dispose()
    {
        foreach (var generator in _byModel.Values) generator.Dispose();
    }
}
