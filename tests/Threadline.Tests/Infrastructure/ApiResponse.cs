using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// One raw HTTP answer, read whole: status, headers and body text, with assertions that put
/// the request and the body in the failure message.
/// </summary>
internal sealed record ApiResponse(string Request, HttpStatusCode Status, HttpResponseHeaders Headers, HttpContentHeaders? ContentHeaders, string Text)
{
    public int StatusCode => (int)Status;

    /// <summary>The body parsed as JSON; fails the test when it is not JSON.</summary>
    public JsonNode Json
    {
        get
        {
            try
            {
                return JsonNode.Parse(Text) ?? throw new InvalidOperationException("null body");
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
            {
                Assert.Fail($"{Request} answered {StatusCode} with a body that is not JSON: {Describe()}");
                throw;
            }
        }
    }

    /// <summary>Asserts a 200 and returns the body as a JSON object.</summary>
    public JsonObject AssertOk()
    {
        if (Status != HttpStatusCode.OK)
            Assert.Fail($"{Request}: expected 200, got {StatusCode}: {Describe()}");
        return Json.AsObject();
    }

    /// <summary>Asserts a 200 and that the body matches the named schema of the spec; returns it.</summary>
    public JsonObject AssertOk(string schemaName)
    {
        var body = AssertOk();
        SpecSchemas.AssertValid(schemaName, body);
        return body;
    }

    /// <summary>
    /// Asserts the status, the <c>{"error":{...}}</c> envelope (checked against the spec's
    /// <c>ErrorResponse</c>) and, when given, the exact message, param and type. Returns the inner error.
    /// </summary>
    public JsonObject AssertError(int status, string? message = null, string? param = null, string type = "invalid_request_error")
    {
        if (StatusCode != status)
            Assert.Fail($"{Request}: expected {status}, got {StatusCode}: {Describe()}");
        var error = AssertErrorEnvelope();
        Assert.Equal(type, (string?)error["type"]);
        if (message is not null)
            Assert.Equal(message, (string?)error["message"]);
        if (param is not null)
            Assert.Equal(param, (string?)error["param"]);
        return error;
    }

    /// <summary>Asserts any 4xx answer in the error envelope.</summary>
    public JsonObject AssertClientError()
    {
        if (StatusCode is < 400 or > 499)
            Assert.Fail($"{Request}: expected a 4xx, got {StatusCode}: {Describe()}");
        return AssertErrorEnvelope();
    }

    private JsonObject AssertErrorEnvelope()
    {
        var mediaType = ContentHeaders?.ContentType?.MediaType;
        Assert.True(mediaType == "application/json", $"{Request}: error Content-Type is '{mediaType}', not application/json: {Describe()}");
        var body = Json;
        SpecSchemas.AssertValid("ErrorResponse", body);
        return body["error"]!.AsObject();
    }

    public string? Header(string name) =>
        Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public string Describe() => Text.Length > 2000 ? Text[..2000] + "..." : Text;
}

/// <summary>Raw calls on a client from <c>CreateHttpClient</c> (relative paths under <c>/v1/</c>).</summary>
internal static class RawApi
{
    public static Task<ApiResponse> GetRawAsync(this HttpClient client, string path) =>
        SendRawAsync(client, new HttpRequestMessage(HttpMethod.Get, path));

    public static Task<ApiResponse> DeleteRawAsync(this HttpClient client, string path) =>
        SendRawAsync(client, new HttpRequestMessage(HttpMethod.Delete, path));

    /// <summary>POSTs the text as it is, with <c>Content-Type: application/json</c> unless another is given.</summary>
    public static Task<ApiResponse> PostRawAsync(this HttpClient client, string path, string body, string contentType = "application/json") =>
        SendRawAsync(client, new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, new MediaTypeHeaderValue(contentType)),
        });

    public static Task<ApiResponse> PostRawAsync(this HttpClient client, string path, JsonNode body) =>
        PostRawAsync(client, path, body.ToJsonString());

    public static async Task<ApiResponse> SendRawAsync(this HttpClient client, HttpRequestMessage request)
    {
        var description = $"{request.Method} {request.RequestUri}";
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse(description, response.StatusCode, response.Headers, response.Content.Headers, text);
    }

    /// <summary>POSTs and asserts 200; returns the body.</summary>
    public static async Task<JsonObject> PostOkAsync(this HttpClient client, string path, string body) =>
        (await PostRawAsync(client, path, body)).AssertOk();

    /// <summary>GETs and asserts 200; returns the body.</summary>
    public static async Task<JsonObject> GetOkAsync(this HttpClient client, string path) =>
        (await GetRawAsync(client, path)).AssertOk();

    /// <summary>The ids of a list answer's <c>data</c>, in order.</summary>
    public static List<string> Ids(this JsonObject list) =>
        list["data"]!.AsArray().Select(item => (string)item!["id"]!).ToList();
}
