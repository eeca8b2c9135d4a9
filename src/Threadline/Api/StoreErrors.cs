namespace Threadline.Api;

/// <summary>
/// The answers for a store that cannot serve: both 503, with a code a client (or an operator reading
/// <c>/readyz</c>) can act on, and never the database's own words.
/// </summary>
internal static class StoreErrors
{
    public const string DatabaseUnavailable = "database_unavailable";

    public const string StorageFull = "storage_full";

    public static ApiException From(Storage.StoreUnavailableException e) => e is Storage.StorageFullException
        ? new ApiException(StatusCodes.Status503ServiceUnavailable,
            "The server's disk is full, so it cannot save anything right now; reads still work. Please retry your request later.",
            "server_error", null, StorageFull)
        {
            // Space comes back when an operator frees some: not within a second, but soon enough for an SDK's retry.
            RetryAfter = TimeSpan.FromSeconds(10),
        }
        : new ApiException(StatusCodes.Status503ServiceUnavailable,
            "The server's database is unavailable right now. Please retry your request in a moment.", "server_error", null, DatabaseUnavailable)
        {
            RetryAfter = TimeSpan.FromSeconds(1),
        };
}
