namespace Threadline.Retrieval;

/// <summary>Bound from <c>Threadline:Embeddings</c>.</summary>
internal sealed class EmbeddingOptions
{
    public const string Section = "Threadline:Embeddings";

    /// <summary>The model for vector stores that name none. Default the built-in <see cref="BuiltInEmbeddingGenerator.ModelName"/>.</summary>
    public string Model { get; set; } = BuiltInEmbeddingGenerator.ModelName;

    /// <summary>
    /// An OpenAI-compatible base URL ending in <c>/v1</c> (OpenAI, LM Studio, Ollama, vLLM), e.g.
    /// <c>http://127.0.0.1:1234/v1</c>, serving every model other than the built-in one. Default none.
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>The key sent to <see cref="BaseUrl"/>. Default none (local servers want no key).</summary>
    public string? ApiKey { get; set; }

    public bool IsBuiltIn(string model) => string.Equals(model, BuiltInEmbeddingGenerator.ModelName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The first problem with these options, or null when they are usable.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(Model))
            return "Threadline:Embeddings:Model must not be empty.";
        if (BaseUrl is not null && (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
            return "Threadline:Embeddings:BaseUrl must be an absolute http(s) URL, e.g. http://127.0.0.1:1234/v1.";
        if (BaseUrl is null && !IsBuiltIn(Model))
            return $"Threadline:Embeddings:Model '{Model}' is not the built-in {BuiltInEmbeddingGenerator.ModelName}: set Threadline:Embeddings:BaseUrl to an OpenAI-compatible endpoint that serves it.";
        return null;
    }
}
