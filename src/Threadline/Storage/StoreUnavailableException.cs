namespace Threadline.Storage;

/// <summary>
/// The database could not be reached (down, failing over, out of connections) within the store's
/// bounded waits. The request answers 503 and may be retried; a write that failed this way did not
/// commit, unless the connection was lost during its commit (then a retry with the same
/// Idempotency-Key finds out). Open to <see cref="StorageFullException"/>, so that everything that
/// waits out an outage (the loops, the idempotency record) waits out a full disk the same way.
/// </summary>
internal class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
