using Microsoft.Extensions.Time.Testing;
using Threadline.Storage;

namespace Threadline.Tests.Storage;

/// <summary>
/// What a dialect gives the conformance suite: fresh databases. The suite needs more than one store
/// per database (a second server process, a restart), so a factory hands out a database to open
/// stores on rather than a single store.
/// </summary>
internal interface IStoreFactory
{
    /// <summary>A new, empty, migrated database; every store opened on it reads the time from <paramref name="clock"/>.</summary>
    Task<IStoreDatabase> CreateAsync(FakeTimeProvider clock);
}

/// <summary>One database of the suite; disposing it closes its stores and drops it.</summary>
internal interface IStoreDatabase : IAsyncDisposable
{
    /// <summary>A store on this database, as a server process opens it: each call is another process.</summary>
    Task<IStore> OpenAsync();

    /// <summary>Closes a store opened here, as a process that stops does; what it committed stays in the database.</summary>
    ValueTask CloseAsync(IStore store);
}
