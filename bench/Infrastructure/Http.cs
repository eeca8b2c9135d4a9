using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Threadline.Bench.Infrastructure;

/// <summary>
/// HTTP clients for the load: one <see cref="SocketsHttpHandler"/> with no connection cap, so that
/// every concurrent simulated client gets its own connection, and JSON helpers on top.
/// </summary>
internal static class Http
{
    public static HttpClient Client(Uri baseUrl) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(15),
    })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(120),
        DefaultRequestHeaders = { { "OpenAI-Beta", "assistants=v2" } },
    };

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>POST a JSON body and parse the answer; throws on a status other than 2xx.</summary>
    public static async Task<JsonNode> PostAsync(HttpClient client, string path, JsonNode body, CancellationToken ct)
    {
        using var response = await client.PostAsync(path, Json(body), ct);
        return await ReadAsync(response, ct);
    }

    public static async Task<JsonNode> GetAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        return await ReadAsync(response, ct);
    }

    public static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {Truncate(text)}", null, response.StatusCode);
        return JsonNode.Parse(text) ?? throw new JsonException("Empty JSON answer.");
    }

    public static string Truncate(string text, int max = 300) => text.Length <= max ? text : text[..max] + "...";

    public static MediaTypeWithQualityHeaderValue EventStream { get; } = new("text/event-stream");
}
