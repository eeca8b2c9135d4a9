using System.Net;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>The probes: <c>/healthz</c> (the process answers) and <c>/readyz</c> (and its database).</summary>
[Collection(SharedServerCollection.Name)]
public sealed class HealthTests(SharedServerFixture server)
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task TheProbeAnswers200(string path)
    {
        using var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Remove("OpenAI-Beta");

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(await response.Content.ReadAsStringAsync()));
    }
}
