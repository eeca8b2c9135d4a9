using Threadline.Api;
using Threadline.Domain;

namespace Threadline.Conversations;

/// <summary>
/// The Responses and Conversations API's words for the domain's problems: a thread is a conversation,
/// a message an item, and a thread held by a run (strict mode) is the hosted <c>conversation_locked</c>.
/// </summary>
internal static class ConversationProblems
{
    public const string Locked = "Another process is currently operating on this conversation. Please retry in a few seconds.";

    public static T OrThrowConversation<T>(this Outcome<T> outcome) =>
        outcome.Problem is { } problem ? throw ToException(problem) : outcome.Value!;

    public static ApiException ToException(Problem problem) => problem switch
    {
        NotFound { Noun: "thread" } p => ApiException.NoSuch("conversation", p.Id),
        NotFound { Noun: "message" } p => ApiException.NoSuch("item", p.Id),
        NotFound { Noun: "run" or "response" } p => ApiException.NoSuch("response", p.Id),
        ThreadBusy => ApiException.Invalid(Locked, "conversation", "conversation_locked"),
        RunStatusRefused { Operation: RunOperation.Cancel } p => ApiException.Invalid($"Cannot cancel a response with status '{Responses.ResponseObject.StatusOf(p.Status)}'."),
        RunStatusRefused { Operation: RunOperation.Delete } p => ApiException.Invalid(
            $"Cannot delete a response with status '{Responses.ResponseObject.StatusOf(p.Status)}': cancel it, or wait until it ends."),
        FunctionCallMissing p => ApiException.Invalid($"No tool call found for function call output with call_id {p.CallId}.", "input"),
        _ => ApiProblems.ToException(problem),
    };
}
