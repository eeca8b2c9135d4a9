using Microsoft.Extensions.Time.Testing;
using Threadline.Storage;
using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.Storage;

/// <summary>The storage contract on the embedded SQLite store, as the server builds it (<see cref="CoreHarness"/>).</summary>
public sealed class SqliteStoreConformance() : StoreConformance(new SqliteStoreFactory());

/// <summary>A database is a fresh data folder; each store on it is a server core opened on that folder.</summary>
internal sealed class SqliteStoreFactory : IStoreFactory
{
    public Task<IStoreDatabase> CreateAsync(FakeTimeProvider clock) => Task.FromResult<IStoreDatabase>(new SqliteDatabase(clock));

    private sealed class SqliteDatabase(FakeTimeProvider clock) : IStoreDatabase
    {
        private readonly string _directory = Directory.CreateDirectory(
            Path.Combine(Path.GetTempPath(), "threadline-tests", "conformance-" + Guid.NewGuid().ToString("N"))).FullName;
        private readonly List<CoreHarness> _open = [];

        public async Task<IStore> OpenAsync()
        {
            var core = await CoreHarness.StartAsync(directory: _directory, clock: clock);
            _open.Add(core);
            return core.Store;
        }

        public async ValueTask CloseAsync(IStore store)
        {
            var core = _open.Single(c => ReferenceEquals(c.Store, store));
            _open.Remove(core);
            await core.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var core in _open)
                await core.DisposeAsync();
            _open.Clear();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
