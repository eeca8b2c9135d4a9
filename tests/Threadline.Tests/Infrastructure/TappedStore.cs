using Microsoft.Extensions.DependencyInjection;
using Threadline.Storage;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The server's store (whichever the suites run on) with a tap on its writes: it counts them and fails those a test picks, by
/// the type of what the write returns (e.g. <c>RunEnded</c>: the write that ends a run). A fault
/// injector around a dependency, not a fake of it: every other write is the real one.
/// </summary>
internal sealed class TappedStore(IStore inner) : IStore, IAsyncDisposable
{
    private int _writes;
    private volatile Func<Type, Exception?> _fault = _ => null;

    /// <summary>Registers the tap in place of the store; resolve it as <see cref="TappedStore"/> to work it.</summary>
    public static void Use(IServiceCollection services)
    {
        var server = services.Last(d => d.ServiceType == typeof(IStore));
        services.Remove(server);
        services.AddSingleton(sp => new TappedStore(server.ImplementationFactory is { } make
            ? (IStore)make(sp) : (IStore)ActivatorUtilities.CreateInstance(sp, server.ImplementationType!)));
        services.AddSingleton<IStore>(sp => sp.GetRequiredService<TappedStore>());
    }

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Writes whose result is of type <typeparamref name="T"/> fail with <paramref name="error"/> until <see cref="Heal"/>.</summary>
    public void Fail<T>(Exception error) => _fault = type => type == typeof(T) ? error : null;

    public void Heal() => _fault = _ => null;

    public Task<T> WriteAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct)
    {
        Interlocked.Increment(ref _writes);
        return _fault(typeof(T)) is { } error ? Task.FromException<T>(error) : inner.WriteAsync(work, ct);
    }

    public ValueTask<T> ReadAsync<T>(Func<IStoreSession, ValueTask<T>> work, CancellationToken ct) => inner.ReadAsync(work, ct);

    public ChangeFeed Changes => inner.Changes;

    public Task MigrateAsync(CancellationToken ct) => inner.MigrateAsync(ct);

    public Task PingAsync(CancellationToken ct) => inner.PingAsync(ct);

    public WriteHealth WriteHealth => inner.WriteHealth;

    public Task WriteProbeAsync(CancellationToken ct) => inner.WriteProbeAsync(ct);

    public string Description => inner.Description;

    /// <summary>The container made the tap, not the store inside it: the tap closes it.</summary>
    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
