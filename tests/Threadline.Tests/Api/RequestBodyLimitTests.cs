using System.Net.Http.Headers;
using System.Text;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>A server started with a 2 KiB body limit, for the 413 tests.</summary>
public sealed class SmallBodyLimitServer : IAsyncLifetime
{
    public const int Limit = 2048;

    internal ThreadlineServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
    {
        Arguments = new Dictionary<string, string> { ["Threadline:MaxRequestBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A body over <c>Threadline:MaxRequestBodyBytes</c> is a 413 in the envelope, however it is sent.</summary>
public sealed class RequestBodyLimitTests(SmallBodyLimitServer fixture) : IClassFixture<SmallBodyLimitServer>
{
    private static string BigAssistant => $$"""{"model":"echo","instructions":"{{new string('i', 10 * 1024)}}"}""";

    [Fact]
    public async Task ABodyWithAContentLengthOverTheLimitIs413()
    {
        using var http = fixture.Server.CreateHttpClient();

        var response = await http.PostRawAsync("assistants", BigAssistant);

        response.AssertError(413);
        Assert.Equal(0, await CountAssistantsAsync(http));
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitIs413()
    {
        using var http = fixture.Server.CreateHttpClient();
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(BigAssistant)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "assistants") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await http.SendRawAsync(request);

        response.AssertError(413);
    }

    [Fact]
    public async Task ABodyOverTheLimitWithAnIdempotencyKeyIs413()
    {
        using var http = fixture.Server.CreateHttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "assistants")
        {
            Content = new StringContent(BigAssistant, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        var response = await http.SendRawAsync(request);

        response.AssertError(413);
    }

    [Fact]
    public async Task AMessageOverTheLimitIs413AndTheThreadStaysEmpty()
    {
        using var http = fixture.Server.CreateHttpClient();
        var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;

        var response = await http.PostRawAsync($"threads/{thread}/messages",
            $$"""{"role":"user","content":"{{new string('m', 10 * 1024)}}"}""");

        response.AssertError(413);
        Assert.Empty((await http.GetOkAsync($"threads/{thread}/messages"))["data"]!.AsArray());
    }

    [Fact]
    public async Task ABodyUnderTheLimitIsAccepted()
    {
        using var http = fixture.Server.CreateHttpClient();

        var created = await http.PostOkAsync("assistants", $$"""{"model":"echo","instructions":"{{new string('i', 1024)}}"}""");

        Assert.Equal(1024, ((string)created["instructions"]!).Length);
        await http.DeleteRawAsync($"assistants/{created["id"]}");
    }

    private static async Task<int> CountAssistantsAsync(HttpClient http) =>
        (await http.GetOkAsync("assistants?limit=100"))["data"]!.AsArray().Count(a => ((string?)a!["instructions"])?.Length > 1024);
}
