using System.Text.Json;
using Threadline.Domain;

namespace Threadline.Messages;

/// <summary>
/// A message in a thread. <see cref="Content"/> holds the parts in their wire form
/// (text with annotations, image_url, image_file).
/// </summary>
internal sealed record Message
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required string ThreadId { get; init; }
    public required long CreatedAt { get; init; }
    public required string Status { get; init; }
    public string? IncompleteReason { get; init; }
    public long? CompletedAt { get; init; }
    public long? IncompleteAt { get; init; }
    public required string Role { get; init; }
    public required RawJson Content { get; init; }
    public string? AssistantId { get; init; }
    public string? RunId { get; init; }
    public RawJson Attachments { get; init; } = RawJson.EmptyArray;
    public required RawJson Metadata { get; init; }

    /// <summary>
    /// The message's place in its thread. Messages added through the API take the next
    /// position; a run's reply is placed right after the last message the run saw (I4).
    /// </summary>
    public long Position { get; init; }

    /// <summary>The text parts joined by <c>\n</c> (parses the content: for the executor, not for reads).</summary>
    public string Text => MessageContent.TextOf(Content);
}

internal static class MessageStatus
{
    public const string InProgress = "in_progress";
    public const string Incomplete = "incomplete";
    public const string Completed = "completed";
}

internal static class MessageRole
{
    public const string User = "user";
    public const string Assistant = "assistant";
    // Only through the Conversations API: the Responses API's instruction roles, sent to the model as system.
    public const string System = "system";
    public const string Developer = "developer";

    // Conversation items that are not messages: a function call the model made and the output the
    // client gave for it, stored as messages of their own kind so that one ordered list holds the
    // conversation. The Assistants API does not list them (it shows calls as run steps).
    public const string FunctionCall = "function_call";
    public const string FunctionCallOutput = "function_call_output";

    public static bool IsItemOnly(string role) => role is FunctionCall or FunctionCallOutput;
}
