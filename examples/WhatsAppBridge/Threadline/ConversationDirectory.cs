using System.Collections.Concurrent;

namespace WhatsAppBridge.Threadline;

/// <summary>
/// Which WhatsApp user a Threadline thread belongs to, remembered from the answers to create thread
/// and run. Only a cache: a thread's <c>external_id</c> never changes, and on a miss (another bridge
/// instance took the message, or this one restarted) the reply path asks Threadline.
/// </summary>
internal sealed class ConversationDirectory
{
    /// <summary>Past this many threads the cache starts over rather than grow without bound; misses are cheap.</summary>
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, string> _waIdByThread = new(StringComparer.Ordinal);

    public void Remember(string threadId, string waId)
    {
        if (_waIdByThread.Count >= Capacity)
            _waIdByThread.Clear();
        _waIdByThread[threadId] = waId;
    }

    public bool TryGet(string threadId, out string waId) => _waIdByThread.TryGetValue(threadId, out waId!);
}
