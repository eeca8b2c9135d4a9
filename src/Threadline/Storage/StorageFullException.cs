namespace Threadline.Storage;

/// <summary>
/// The database refused a write for want of space (SQLite's <c>SQLITE_FULL</c>, PostgreSQL's
/// <c>disk_full</c>). The write did not commit; reads still work, and the write may be retried once
/// space is freed (<see cref="WriteHealth"/> tells readiness meanwhile).
/// </summary>
internal sealed class StorageFullException(Exception inner)
    : StoreUnavailableException("The database's disk is full.", inner);
