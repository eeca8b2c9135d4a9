using Microsoft.Extensions.AI;

namespace Threadline.Models;

/// <summary>
/// In front of an OpenAI-compatible provider: when the options carry the exact request parts
/// (<see cref="ProviderRequest"/>, through <see cref="ChatOptions.RawRepresentationFactory"/>), the
/// generic tool, tool-mode and response-format settings are dropped so that the exact ones win.
/// Other clients (the built-in echo model) read the generic settings.
/// </summary>
internal sealed class ExactRequestChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetResponseAsync(messages, Exact(options), cancellationToken);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        base.GetStreamingResponseAsync(messages, Exact(options), cancellationToken);

    private static ChatOptions? Exact(ChatOptions? options)
    {
        if (options?.RawRepresentationFactory is null)
            return options;
        var exact = options.Clone();
        exact.Tools = null;
        exact.ToolMode = null;
        exact.ResponseFormat = null;
        exact.AllowMultipleToolCalls = null;
        return exact;
    }
}
