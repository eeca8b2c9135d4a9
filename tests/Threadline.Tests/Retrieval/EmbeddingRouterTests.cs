using Microsoft.Extensions.AI;
using Threadline.FakeUpstream;
using Threadline.Retrieval;
using Xunit;

namespace Threadline.Tests.Retrieval;

public sealed class EmbeddingRouterTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstreamServer.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Another_model_goes_to_the_configured_openai_compatible_endpoint()
    {
        _upstream.RequiredApiKey = "sk-embed";
        using var router = new EmbeddingRouter(new EmbeddingOptions { BaseUrl = _upstream.BaseUrl.ToString(), ApiKey = "sk-embed" });

        var embeddings = await router.For("text-embedding-3-small").GenerateAsync(["first input", "second input"]);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal(EmbeddingsWire.VectorFor("first input"), embeddings[0].Vector.ToArray());
        Assert.Equal(EmbeddingsWire.VectorFor("second input"), embeddings[1].Vector.ToArray());
        var request = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/embeddings", request.Path);
        Assert.Equal("text-embedding-3-small", request.Model);
        Assert.Equal("Bearer sk-embed", request.Authorization);
    }

    [Fact]
    public async Task A_base_url_without_a_trailing_slash_works_and_no_key_is_needed()
    {
        using var router = new EmbeddingRouter(new EmbeddingOptions { BaseUrl = _upstream.BaseUrl.ToString().TrimEnd('/') });

        var embeddings = await router.For("nomic-embed-text").GenerateAsync(["only"]);

        Assert.Equal(EmbeddingsWire.VectorFor("only"), embeddings[0].Vector.ToArray());
        Assert.Equal("/v1/embeddings", Assert.Single(_upstream.Requests).Path);
    }

    [Fact]
    public void The_built_in_model_is_served_by_its_name_even_with_an_endpoint()
    {
        using var router = new EmbeddingRouter(new EmbeddingOptions { BaseUrl = _upstream.BaseUrl.ToString() });

        Assert.IsType<BuiltInEmbeddingGenerator>(router.For(BuiltInEmbeddingGenerator.ModelName));
        Assert.Equal(BuiltInEmbeddingGenerator.ModelName, router.DefaultModel);
        Assert.Same(router.For("m"), router.For("m"));
    }

    [Fact]
    public void A_model_with_no_endpoint_is_a_clear_error()
    {
        using var router = new EmbeddingRouter(new EmbeddingOptions());

        var error = Assert.Throws<InvalidOperationException>(() => router.For("text-embedding-3-small"));
        Assert.Contains("text-embedding-3-small", error.Message);
        Assert.Contains("Threadline:Embeddings:BaseUrl", error.Message);
        Assert.False(router.Serves("text-embedding-3-small"));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("all-MiniLM-L6-v2", "http://127.0.0.1:1234/v1", true)]
    [InlineData("text-embedding-3-small", "https://api.openai.com/v1", true)]
    [InlineData("text-embedding-3-small", null, false)]
    [InlineData("", null, false)]
    [InlineData("all-MiniLM-L6-v2", "not a url", false)]
    [InlineData("all-MiniLM-L6-v2", "ftp://host/v1", false)]
    public void Options_problems(string? model, string? baseUrl, bool usable)
    {
        var options = new EmbeddingOptions { BaseUrl = baseUrl };
        if (model is not null) options.Model = model;

        Assert.Equal(usable, options.Problem() is null);
    }
}
