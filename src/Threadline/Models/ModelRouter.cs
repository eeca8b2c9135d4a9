using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Threadline.Models;

/// <summary>
/// Finds the chat client that serves a run's model: the built-in echo models, then a provider
/// that names the model, then a provider that takes every model (<c>*</c>).
/// </summary>
internal sealed partial class ModelRouter
{
    public const string Wildcard = "*";

    /// <summary>The service key of the client that serves the built-in models: <see cref="EchoChatClient"/> (tests put a fake in its place).</summary>
    public const string BuiltIn = "built-in";

    internal const int MaxCachedClients = 256;
    private readonly IChatClient _builtIn;
    private readonly ModelOptions _options;
    private readonly ConcurrentDictionary<(string Provider, string Model), IChatClient> _clients = new();

    public ModelRouter([FromKeyedServices(BuiltIn)] IChatClient builtIn, ModelOptions options)
    {
        _builtIn = builtIn;
        _options = options;
        foreach (var p in options.Providers)
        {
            if (string.IsNullOrWhiteSpace(p.Name) || !Uri.TryCreate(p.BaseUrl, UriKind.Absolute, out _))
                throw new InvalidOperationException($"Threadline:Models:Providers: provider '{p.Name}' needs a Name and an absolute BaseUrl.");
        }
    }

    /// <summary>The client for <paramref name="model"/>, or null when nothing serves it.</summary>
    public IChatClient? Resolve(string model)
    {
        if (EchoChatClient.Serves(model))
            return _builtIn;
        var provider = ProviderOf(model);
        if (provider is null)
            return null;
        if (_clients.TryGetValue((provider.Name, model), out var cached))
            return cached;
        var client = Create(provider, model);
        // Model names come from callers (bounded in length at the edge): the cache is bounded too, and
        // a name past it gets a client of its own (the HTTP pipeline underneath is shared either way).
        if (_clients.Count < MaxCachedClients)
            _clients.TryAdd((provider.Name, model), client);
        return client;
    }

    public ProviderOptions? ProviderOf(string model) =>
        _options.Providers.FirstOrDefault(p => p.Models.Contains(model, StringComparer.Ordinal))
        ?? _options.Providers.FirstOrDefault(p => p.Models.Contains(Wildcard));

    private IChatClient Create(ProviderOptions provider, string model)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(provider.BaseUrl),
            // Retries are ours (ModelCaller), so that they cover broken streams too and fail the run clearly.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = _options.RequestTimeout,
        };
        var chat = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(provider.ApiKey ?? "none"), options);
        return new ExactRequestChatClient(chat.AsIChatClient());
    }

    /// <summary>Says at start-up which models go where.</summary>
    public void Announce(ILogger logger)
    {
        LogBuiltIn(logger);
        foreach (var p in _options.Providers)
            LogProvider(logger, p.Name, p.BaseUrl, string.Join(", ", p.Models.Select(m => m == Wildcard ? "* (any other model)" : m)));
        if (_options.Providers.Count == 0)
            LogNoProvider(logger);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Models: built-in 'echo' and 'echo:<ms>' are served in-process")]
    private static partial void LogBuiltIn(ILogger logger);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Models: provider '{Provider}' at {BaseUrl} serves {Models}")]
    private static partial void LogProvider(ILogger logger, string provider, string baseUrl, string models);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "Models: no upstream provider is configured (set OPENAI_API_KEY or Threadline:Models:Providers); runs on other models will fail")]
    private static partial void LogNoProvider(ILogger logger);
}
