using System.Text.Json;
using System.Text.Json.Serialization;

namespace WhatsAppBridge.Threadline;

/// <summary>
/// The few Threadline shapes the bridge uses. Plain records rather than the OpenAI SDK: the SDK has
/// no way to send Threadline's extensions (<c>thread.external_id</c>, <c>debounce_ms</c>) on
/// create thread and run, and those two fields are the point of the bridge.
/// </summary>
internal static class ThreadlineWire
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary><c>POST /threads/runs</c>: find or create the user's thread, append the message, start (or join) a debounced run.</summary>
internal sealed record CreateThreadAndRunRequest(string AssistantId, ThreadWithMessages Thread, int DebounceMs);

internal sealed record ThreadWithMessages(string ExternalId, IReadOnlyList<UserMessage> Messages);

internal sealed record UserMessage(string Role, string Content);

/// <summary>The run answered by create thread and run; <c>joined</c> says another message's call made it.</summary>
internal sealed record RunCreated(string Id, string ThreadId, string Status, bool? Joined);

/// <summary>A thread as <c>GET /threads/{id}</c> answers it.</summary>
internal sealed record ThreadInfo(string Id, string? ExternalId);
