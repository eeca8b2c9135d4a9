using System.Text.Json;

namespace WhatsAppBridge.Threadline;

/// <summary>
/// A Threadline webhook event: <c>{"id":"evt_...","object":"event","type",...,"data":{...}}</c>. For run
/// events <c>data</c> holds the run and the assistant messages it wrote, so the reply needs no call back.
/// </summary>
internal sealed record ThreadlineEvent(string? Id, string? Type, long CreatedAt, JsonElement Data)
{
    public const string RunCompleted = "thread.run.completed";

    public static ThreadlineEvent? TryParse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<ThreadlineEvent>(body, ThreadlineWire.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>data</c> of a run event; null when it is not shaped like one.</summary>
    public RunEventData? RunData()
    {
        if (Data.ValueKind != JsonValueKind.Object)
            return null;
        try
        {
            var data = Data.Deserialize<RunEventData>(ThreadlineWire.Json);
            return data?.Run?.ThreadId is null ? null : data;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal sealed record RunEventData(RunInfo? Run, IReadOnlyList<MessageInfo>? Messages)
{
    /// <summary>
    /// The text the assistant wrote in the run: every text part of every assistant message, in order,
    /// messages separated by a blank line, so the user gets it as one WhatsApp message.
    /// </summary>
    public string ReplyText() => string.Join("\n\n",
        (Messages ?? [])
        .Where(m => m.Role == "assistant")
        .Select(m => string.Join("\n", (m.Content ?? []).Where(c => c.Type == "text" && !string.IsNullOrEmpty(c.Text?.Value)).Select(c => c.Text!.Value)))
        .Where(text => text.Length > 0));
}

internal sealed record RunInfo(string? Id, string? ThreadId, string? Status);

internal sealed record MessageInfo(string? Id, string? Role, IReadOnlyList<ContentPart>? Content);

internal sealed record ContentPart(string? Type, TextPart? Text);

internal sealed record TextPart(string? Value);
