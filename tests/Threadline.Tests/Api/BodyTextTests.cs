using System.Net.Http.Headers;
using System.Text;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>Strings in a body must be text: valid UTF-8, no unpaired surrogates, no NUL characters; each refusal names the field and the reason.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class BodyTextTests(SharedServerFixture server)
{
    [Fact]
    public async Task InvalidUtf8IsNamedAsSuch()
    {
        using var http = server.CreateHttpClient();
        var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes("{\"metadata\":{\"k\":\""), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\"}}")]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await http.SendRawAsync(new HttpRequestMessage(HttpMethod.Post, "threads") { Content = content });

        var error = response.AssertError(400, param: "metadata.k");
        Assert.Contains("UTF-8", (string?)error["message"]);
    }

    [Theory]
    [InlineData("threads", """{"metadata":{"a":"x\u0000y"}}""", "metadata.a")]
    [InlineData("threads", """{"messages":[{"role":"user","content":"hi\u0000"}]}""", "messages[0].content")]
    [InlineData("assistants", """{"model":"echo","name":"\u0000"}""", "name")]
    [InlineData("assistants", """{"model":"echo","metadata":{"\u0000":"v"}}""", "metadata")]
    public async Task AnEscapedNulIsRefused(string route, string body, string param)
    {
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(route, body);

        var error = response.AssertError(400, param: param);
        Assert.Contains("NUL", (string?)error["message"]);
    }

    [Fact]
    public async Task AnUnpairedSurrogateIsNamedAsSuch()
    {
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync("threads", """{"metadata":{"k":"\ud800"}}""");

        var error = response.AssertError(400, param: "metadata.k");
        Assert.Contains("surrogate", (string?)error["message"]);
    }
}
