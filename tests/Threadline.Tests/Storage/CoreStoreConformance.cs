using Microsoft.Extensions.Time.Testing;
using Threadline.Storage;
using Threadline.Tests.Infrastructure;

namespace Threadline.Tests.Storage;

/// <summary>
/// The storage contract on the store the server builds (<see cref="CoreHarness"/>): the embedded
/// SQLite file, or PostgreSQL when the suites run on it (<see cref="TestStorage"/>; <c>./test.sh</c>
/// runs both).
/// </summary>
public sealed class CoreStoreConformance() : StoreConformance(new CoreStoreFactory());

/// <summary>A database is a fresh data folder (and its PostgreSQL database); each store on it is a server core opened on that folder.</summary>
internal sealed class CoreStoreFactory : IStoreFactory
{
    public Task<IStoreDatabase> CreateAsync(FakeTimeProvider clock) => Task.FromResult<IStoreDatabase>(new CoreDatabase(clock));

    private sealed class CoreDatabase(FakeTimeProvider clock) : IStoreDatabase
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
            TestStorage.Drop(_directory);
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
