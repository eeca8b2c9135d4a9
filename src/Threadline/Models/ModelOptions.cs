namespace Threadline.Models;

/// <summary>Model providers and the retry policy for calls to them, bound from <c>Threadline:Models</c>.</summary>
internal sealed class ModelOptions
{
    public const string Section = "Threadline:Models";

    /// <summary>OpenAI-compatible endpoints (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp, LM Studio).</summary>
    public List<ProviderOptions> Providers { get; set; } = [];

    /// <summary>Retries after the first try, for 429, 5xx, timeouts and broken streams. Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; later ones double, with jitter. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <c>Retry-After</c> honoured; longer asks fail the run. Default 60 s.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one try may take, from request to the last token. Default 100 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);
}

internal sealed class ProviderOptions
{
    public string Name { get; set; } = "";

    /// <summary>The OpenAI-style base URL, e.g. <c>https://api.openai.com/v1</c> or <c>http://localhost:11434/v1</c>.</summary>
    public string BaseUrl { get; set; } = "";

    public string? ApiKey { get; set; }

    /// <summary>The model names it serves; <c>*</c> takes every model no other provider names.</summary>
    public List<string> Models { get; set; } = [];
}
