using Threadline.Domain;

namespace Threadline.Api;

/// <summary>The Assistants API's words (and statuses) for the domain's problems, as the hosted API said them.</summary>
internal static class ApiProblems
{
    public static T OrThrow<T>(this Outcome<T> outcome) =>
        outcome.Problem is { } problem ? throw ToException(problem) : outcome.Value!;

    public static ApiException ToException(Problem problem) => problem switch
    {
        NotFound p => ApiException.NoSuch(p.Noun, p.Id),
        ThreadBusy { ForMessage: true } p => ApiException.Invalid($"Can't add messages to {p.ThreadId} while a run {p.RunId} is active."),
        ThreadBusy p => ApiException.Invalid($"Thread {p.ThreadId} already has an active run {p.RunId}."),
        RunStatusRefused { Operation: RunOperation.Cancel } p => ApiException.Invalid($"Cannot cancel run with status '{p.Status}'."),
        RunStatusRefused p => ApiException.Invalid($"Runs in status \"{p.Status}\" do not accept tool outputs."),
        ToolOutputsMismatch p => ApiException.Invalid(p.Message, "tool_outputs"),
        _ => throw new InvalidOperationException($"No wording for {problem}."),
    };
}
