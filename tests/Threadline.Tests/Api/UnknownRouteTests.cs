using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>A route the API does not have answers the hosted 404 <c>Invalid URL (METHOD /path)</c> in the envelope.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class UnknownRouteTests(SharedServerFixture server)
{
    [Theory]
    [InlineData("GET", "/v1/nope")]
    [InlineData("GET", "/v1/")]
    [InlineData("POST", "/v1/assistants/asst_1/nope")]
    [InlineData("GET", "/v1/threads/thread_1/messages/msg_1/files")]
    [InlineData("DELETE", "/v1/threads/thread_1/runs/run_1")]
    [InlineData("GET", "/v2/assistants")]
    [InlineData("GET", "/nothing-here")]
    public async Task AnUnknownRouteIsTheHosted404(string method, string path)
    {
        using var http = server.CreateHttpClient();

        var response = await http.SendRawAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : null,
        });

        response.AssertError(404, $"Invalid URL ({method} {path})");
    }

    [Theory]
    [InlineData("PUT", "/v1/assistants")]
    [InlineData("PATCH", "/v1/threads/thread_1")]
    [InlineData("DELETE", "/v1/assistants")]
    [InlineData("POST", "/v1/threads/thread_1/runs/run_1/steps")]
    public async Task AKnownPathWithAnotherMethodIsAClientErrorInTheEnvelope(string method, string path)
    {
        using var http = server.CreateHttpClient();

        var response = await http.SendRawAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        });

        var error = response.AssertClientError();
        Assert.True(response.StatusCode is 404 or 405, $"status {response.StatusCode}");
        Assert.Equal($"Invalid URL ({method} {path})", (string?)error["message"]);
    }
}
