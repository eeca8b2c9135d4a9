namespace Threadline.FakeUpstream;

/// <summary>
/// How the fake answers one <c>POST /v1/chat/completions</c>. Chosen per request: the next queued
/// behaviour (<see cref="FakeUpstreamServer.Enqueue"/>), else the <see cref="FakeUpstreamServer.Selector"/>'s
/// answer, else <see cref="FakeUpstreamServer.Default"/>.
/// </summary>
/// <remarks>
/// What is said, first match wins: <see cref="Fault"/>; <see cref="ToolCalls"/> (instead of text);
/// <see cref="Tokens"/>; <see cref="TokenCount"/> tokens <c>"tok0", " tok1", ...</c>; else the last
/// user message's text echoed back in word tokens (<c>"ok"</c> when there is none).
/// A request's <c>max_completion_tokens</c> (or <c>max_tokens</c>) cuts text short with
/// <c>finish_reason: "length"</c>.
/// </remarks>
public sealed record FakeBehavior
{
    /// <summary>Milliseconds before the first byte (status faults, streamed chunks and whole responses alike).</summary>
    public int LatencyMs { get; init; }

    /// <summary>Text pieces to emit, in order (one streamed chunk each).</summary>
    public IReadOnlyList<string>? Tokens { get; init; }

    /// <summary>When <see cref="Tokens"/> is null: emit this many tokens <c>"tok0", " tok1", ...</c> instead of the echo.</summary>
    public int? TokenCount { get; init; }

    /// <summary>Milliseconds between two tokens (streamed); a whole response waits for all of them at once.</summary>
    public int TokenIntervalMs { get; init; }

    /// <summary>Tool calls to make instead of text (ids <c>call_...</c> generated), <c>finish_reason: "tool_calls"</c>.</summary>
    public IReadOnlyList<FakeToolCall>? ToolCalls { get; init; }

    /// <summary>A failure instead of (or, for <see cref="FakeFault.CutStreamAfterTokens"/>, in the middle of) the answer.</summary>
    public FakeFault? Fault { get; init; }

    /// <summary>Echo the last user message (the initial <see cref="FakeUpstreamServer.Default"/>).</summary>
    public static FakeBehavior Echo { get; } = new();

    /// <summary>Say exactly these pieces.</summary>
    public static FakeBehavior Text(params string[] tokens) => new() { Tokens = tokens };

    /// <summary>Call these tools.</summary>
    public static FakeBehavior CallTools(params FakeToolCall[] calls) => new() { ToolCalls = calls };

    /// <summary>Fail this way.</summary>
    public static FakeBehavior Fail(FakeFault fault) => new() { Fault = fault };
}

/// <summary>One function call the fake makes: <paramref name="Name"/> with <paramref name="Arguments"/> (a JSON object, as text).</summary>
public sealed record FakeToolCall(string Name, string Arguments = "{}");

/// <summary>A failure: <see cref="Status"/>, <see cref="Hang"/> or <see cref="CutStreamAfterTokens"/>.</summary>
public abstract record FakeFault
{
    private protected FakeFault()
    {
    }

    /// <summary>
    /// Answer with HTTP <paramref name="code"/> and the OpenAI error envelope (or <paramref name="body"/>
    /// verbatim, as JSON), with a <c>Retry-After: <paramref name="retryAfterSeconds"/></c> header when given.
    /// </summary>
    public static FakeFault Status(int code, string? retryAfterSeconds = null, string? body = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        return new FakeStatusFault(code, retryAfterSeconds, body);
    }

    /// <summary>Never answer: hold the request until the client aborts it or the server stops (then drop the connection).</summary>
    public static FakeFault Hang { get; } = new FakeHangFault();

    /// <summary>
    /// Stream the role chunk and <paramref name="tokens"/> tokens (tool-call argument pieces count as tokens),
    /// then abort the connection (<c>HttpContext.Abort()</c>): no finish chunk, no <c>[DONE]</c>. A request
    /// that does not stream gets its headers and half its body, then the abort.
    /// </summary>
    public static FakeFault CutStreamAfterTokens(int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        return new FakeCutStreamFault(tokens);
    }
}

/// <summary>See <see cref="FakeFault.Status"/>.</summary>
public sealed record FakeStatusFault(int Code, string? RetryAfterSeconds, string? Body) : FakeFault;

/// <summary>See <see cref="FakeFault.Hang"/>.</summary>
public sealed record FakeHangFault : FakeFault;

/// <summary>See <see cref="FakeFault.CutStreamAfterTokens"/>.</summary>
public sealed record FakeCutStreamFault(int Tokens) : FakeFault;
