namespace Threadline.Storage;

/// <summary>Claim a key for a request whose body hashes to <paramref name="RequestHash"/>.</summary>
internal sealed record IdempotencyBegin(
    string ProjectId, string Operation, string Key, string RequestHash, long NowMs, long LockMs, long RetentionMs);

internal enum IdempotencyOutcome
{
    /// <summary>This request is the first (or the first's lock lapsed): do the work.</summary>
    Started,

    /// <summary>The work was done: answer with the recorded response.</summary>
    Replay,

    /// <summary>The first request is still being processed.</summary>
    InFlight,

    /// <summary>The key was used with another body.</summary>
    Mismatch,
}

internal sealed record IdempotencyBeginResult(IdempotencyOutcome Outcome, RecordedResponse? Response = null);

internal sealed record RecordedResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);

internal sealed record IdempotencyComplete(string ProjectId, string Operation, string Key, RecordedResponse Response);
