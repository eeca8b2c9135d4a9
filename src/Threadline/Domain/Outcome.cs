namespace Threadline.Domain;

/// <summary>
/// An expected failure of a domain operation, as a value (the YARP habit): the services say what
/// went wrong in domain terms, and each API surface words it its own way.
/// </summary>
internal abstract record Problem;

/// <summary>No <paramref name="Noun"/> with that id in the project.</summary>
internal sealed record NotFound(string Noun, string Id) : Problem;

/// <summary>Strict mode: the thread has a run that holds it, so a new message or run is refused.</summary>
internal sealed record ThreadBusy(string ThreadId, string RunId, bool ForMessage) : Problem;

/// <summary>The run's status does not allow the operation (cancel, tool outputs, deleting a response).</summary>
internal sealed record RunStatusRefused(string Status, RunOperation Operation) : Problem;

/// <summary>Tool outputs that do not match the calls the run waits for.</summary>
internal sealed record ToolOutputsMismatch(string Message) : Problem;

/// <summary>A function call's output sent for a call the conversation does not hold.</summary>
internal sealed record FunctionCallMissing(string CallId) : Problem;

internal enum RunOperation
{
    Cancel,
    SubmitToolOutputs,
    Delete,
}

/// <summary>A value, or the <see cref="Problem"/> that kept the operation from producing one.</summary>
internal readonly struct Outcome<T>
{
    private Outcome(T? value, Problem? problem) => (Value, Problem) = (value, problem);

    public T? Value { get; }
    public Problem? Problem { get; }

    public static implicit operator Outcome<T>(T value) => new(value, null);

    /// <summary>A value of an interface type, which no implicit conversion can take.</summary>
    public static Outcome<T> Of(T value) => new(value, null);
    public static implicit operator Outcome<T>(Problem problem) => new(default, problem);
}
