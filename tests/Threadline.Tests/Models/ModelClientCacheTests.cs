using Threadline.Models;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// Model names come from callers (any name goes to a provider that takes every model): the router caches a
/// client per name up to its bound and no further, so that distinct names cannot grow it without limit.
/// Which names are cached shows in what comes back: a cached name gets the same client again.
/// </summary>
public sealed class ModelClientCacheTests
{
    [Fact]
    public void Distinct_model_names_keep_at_most_the_routers_bound_of_clients_cached()
    {
        var router = new ModelRouter(new EchoChatClient(TimeProvider.System), new ModelOptions
        {
            Providers = [new ProviderOptions { Name = "any", BaseUrl = "http://127.0.0.1:9/v1", Models = [ModelRouter.Wildcard] }],
        });
        var names = Enumerable.Range(0, ModelRouter.MaxCachedClients * 2).Select(i => $"model-{i}").ToList();

        var first = names.Select(name => router.Resolve(name)).ToList();
        var cached = names.Where((name, i) => ReferenceEquals(router.Resolve(name), first[i])).Count();

        Assert.InRange(cached, 1, ModelRouter.MaxCachedClients);
    }
}
