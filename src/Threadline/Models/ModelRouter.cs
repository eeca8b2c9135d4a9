using Microsoft.Extensions.AI;

namespace Threadline.Models;

/// <summary>Finds the chat client that serves a run's model.</summary>
internal sealed class ModelRouter(EchoChatClient echo)
{
    /// <summary>The client for <paramref name="model"/>, or null when nothing serves it.</summary>
    public IChatClient? Resolve(string model) => EchoChatClient.Serves(model) ? echo : null;
}
