using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Threadline.Models;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// A model that says nothing until the test speaks for it: each call waits, as a <see cref="HeldCall"/>
/// handed out by <see cref="NextCallAsync"/>, for the text the test gives it. Put in place of the built-in
/// models (<see cref="Use"/>), so that a run on <c>echo</c> calls it.
/// </summary>
/// <param name="ignoresCancellation">
/// True: a call goes on after its execution was told to stop (a provider that does not honour
/// cancellation at once), so that what the execution writes afterwards is up to the fence alone.
/// </param>
internal sealed class GatedChatClient(bool ignoresCancellation = false) : IChatClient
{
    private readonly Channel<HeldCall> _calls = Channel.CreateUnbounded<HeldCall>();

    /// <summary>Registers a gate as the client of the built-in models, replacing <see cref="EchoChatClient"/>.</summary>
    public static GatedChatClient Use(IServiceCollection services, bool ignoresCancellation = false)
    {
        var gate = new GatedChatClient(ignoresCancellation);
        services.AddKeyedSingleton<IChatClient>(ModelRouter.BuiltIn, gate);
        return gate;
    }

    /// <summary>The next call to arrive (in real time, at most 15 s).</summary>
    public async Task<HeldCall> NextCallAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            return await _calls.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no model call arrived within 15 s");
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var call = new HeldCall(messages.ToList());
        _calls.Writer.TryWrite(call);
        await foreach (var piece in call.Pieces.Reader.ReadAllAsync(ignoresCancellation ? CancellationToken.None : cancellationToken))
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Runs stream their model calls.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>One call to a <see cref="GatedChatClient"/>: what it was sent, and the text the test streams back.</summary>
internal sealed class HeldCall(IReadOnlyList<ChatMessage> messages)
{
    internal Channel<string> Pieces { get; } = Channel.CreateUnbounded<string>();

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>Streams a piece of the reply; the call goes on.</summary>
    public void Say(string piece) => Pieces.Writer.TryWrite(piece);

    /// <summary>Ends the call (after what was said).</summary>
    public void End() => Pieces.Writer.TryComplete();

    public void Answer(string text)
    {
        Say(text);
        End();
    }
}
