using System.Net;
using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;

namespace Threadline.Tests.Idempotency;

/// <summary>
/// A retry while the first request with its key still runs answers 409 <c>idempotency_key_in_use</c>, and says
/// when to come back (<c>retry-after-ms</c>, which the OpenAI SDKs read first, and <c>Retry-After</c>), so a
/// client's retry loop waits for the first answer instead of giving up or spinning.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class InUseRetryAfterTests(SharedServerFixture server)
{
    [Fact]
    public async Task A409InUseSaysWhenToComeBack()
    {
        using var http = QueueApi.NewClient(server.Server);
        var assistantId = await QueueApi.CreateAssistantAsync(http, "echo:3000"); // a stream that stays open for a while
        var body = JsonSerializer.Serialize(new
        {
            assistant_id = assistantId,
            stream = true,
            thread = new { messages = new[] { new { role = "user", content = "once" } } },
        });
        var key = "in-use-" + Guid.NewGuid().ToString("N");

        using var first = await http.SendAsync(Post(body, key), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var retry = await http.SendRawAsync(Post(body, key));

        var error = retry.AssertError(409);
        Assert.Equal("idempotency_key_in_use", (string?)error["code"]);
        Assert.True(long.TryParse(retry.Header("retry-after-ms"), out var ms) && ms is > 0 and <= 60_000, $"retry-after-ms: '{retry.Header("retry-after-ms")}'");
        Assert.True(long.TryParse(retry.Header("Retry-After"), out var seconds) && seconds * 1000 >= ms, $"Retry-After: '{retry.Header("Retry-After")}'");
    }

    private static HttpRequestMessage Post(string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "threads/runs") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
