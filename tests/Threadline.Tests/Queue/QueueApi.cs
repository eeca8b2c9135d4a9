using System.Text;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// Raw HTTP helpers for the queue tests: independent clients (one <see cref="SocketsHttpHandler"/>
/// each, so each has its own connections), JSON requests, lists and polling with deadlines.
/// </summary>
internal static class QueueApi
{
    public static readonly string[] TerminalStatuses = ["completed", "failed", "cancelled", "expired", "incomplete"];

    /// <summary>A client with its own handler, hence its own connection pool: an independent front end.</summary>
    public static HttpClient NewClient(ThreadlineServer server, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        var client = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = server.ApiUrl,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Add("OpenAI-Beta", "assistants=v2");
        return client;
    }

    public static async Task<ApiResponse> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body = null,
        string? idempotencyKey = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return new ApiResponse($"{method} {path}{(body is null ? "" : " " + body.ToJsonString())}", response.StatusCode, response.Headers, response.Content.Headers, text);
    }

    public static bool IsSuccess(this ApiResponse response) => response.StatusCode is >= 200 and < 300;

    /// <summary>The request, the status and the body, for failure messages.</summary>
    public static string Summary(this ApiResponse response) => $"{response.Request} -> {response.StatusCode}: {response.Describe()}";

    public static Task<ApiResponse> PostAsync(HttpClient client, string path, JsonNode body, string? idempotencyKey = null, CancellationToken ct = default) =>
        SendAsync(client, HttpMethod.Post, path, body, idempotencyKey, ct);

    public static Task<ApiResponse> GetAsync(HttpClient client, string path, CancellationToken ct = default) =>
        SendAsync(client, HttpMethod.Get, path, null, null, ct);

    /// <summary>POST that must answer 200; returns the JSON body.</summary>
    public static async Task<JsonObject> PostOkAsync(HttpClient client, string path, JsonNode body, CancellationToken ct = default) =>
        (await PostAsync(client, path, body, null, ct)).AssertOk();

    public static async Task<JsonObject> GetOkAsync(HttpClient client, string path, CancellationToken ct = default) =>
        (await GetAsync(client, path, ct)).AssertOk();

    public static async Task<string> CreateAssistantAsync(HttpClient client, string model = "echo") =>
        Id(await PostOkAsync(client, "assistants", new JsonObject { ["model"] = model, ["name"] = "queue tests" }));

    public static async Task<string> CreateThreadAsync(HttpClient client, JsonObject? body = null) =>
        Id(await PostOkAsync(client, "threads", body ?? new JsonObject()));

    public static JsonObject UserMessage(string text) => new() { ["role"] = "user", ["content"] = text };

    /// <summary>A new thread holding one user message.</summary>
    public static Task<string> CreateThreadWithMessageAsync(HttpClient client, string text) =>
        CreateThreadAsync(client, new JsonObject { ["messages"] = new JsonArray(UserMessage(text)) });

    public static Task<ApiResponse> AddMessageAsync(HttpClient client, string threadId, string text, CancellationToken ct = default) =>
        PostAsync(client, $"threads/{threadId}/messages", UserMessage(text), null, ct);

    public static JsonObject RunBody(string assistantId, string? model = null, long? debounceMs = null, long? maxWaitMs = null, string? onActive = null)
    {
        var body = new JsonObject { ["assistant_id"] = assistantId };
        if (model is not null)
        {
            body["model"] = model;
        }

        if (debounceMs is not null)
        {
            body["debounce_ms"] = debounceMs;
        }

        if (maxWaitMs is not null)
        {
            body["max_wait_ms"] = maxWaitMs;
        }

        if (onActive is not null)
        {
            body["on_active"] = onActive;
        }

        return body;
    }

    public static Task<ApiResponse> CreateRunAsync(HttpClient client, string threadId, JsonObject body, CancellationToken ct = default) =>
        PostAsync(client, $"threads/{threadId}/runs", body, null, ct);

    public static Task<JsonObject> GetRunAsync(HttpClient client, string threadId, string runId) =>
        GetOkAsync(client, $"threads/{threadId}/runs/{runId}");

    /// <summary>Polls the run until <paramref name="until"/> holds; fails with the last state seen at the deadline.</summary>
    public static Task<JsonObject> WaitForRunAsync(HttpClient client, string threadId, string runId, Func<JsonObject, bool> until,
        TimeSpan timeout, string what) =>
        RunWaiter.UntilAsync(client, threadId, runId, until, what, timeout);

    public static Task<JsonObject> WaitForStatusAsync(HttpClient client, string threadId, string runId, string status, TimeSpan timeout) =>
        WaitForRunAsync(client, threadId, runId, r => Status(r) == status, timeout, status);

    public static Task<JsonObject> WaitForTerminalAsync(HttpClient client, string threadId, string runId, TimeSpan timeout) =>
        WaitForRunAsync(client, threadId, runId, r => IsTerminal(Status(r)), timeout, "terminal");

    /// <summary>Every item of a list endpoint, oldest first, following <c>after</c> cursors.</summary>
    public static async Task<List<JsonObject>> ListAllAsync(HttpClient client, string path)
    {
        var items = new List<JsonObject>();
        string? after = null;
        var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        while (true)
        {
            var page = await GetOkAsync(client, $"{path}{separator}order=asc&limit=100{(after is null ? "" : "&after=" + after)}");
            var data = page["data"]!.AsArray().Select(n => n!.AsObject()).ToList();
            items.AddRange(data);
            if (page["has_more"]?.GetValue<bool>() != true || data.Count == 0)
            {
                return items;
            }

            after = Id(data[^1]);
        }
    }

    public static string Id(JsonObject o) => o["id"]!.GetValue<string>();

    public static string Status(JsonObject o) => o["status"]!.GetValue<string>();

    public static bool IsTerminal(string status) => TerminalStatuses.Contains(status);

    public static string Role(JsonObject message) => message["role"]!.GetValue<string>();

    /// <summary>The text of a message's text parts, concatenated.</summary>
    public static string Text(JsonObject message) =>
        string.Concat(message["content"]!.AsArray().Select(p => (string?)p?["text"]?["value"] ?? ""));

    public static long? Long(JsonObject o, string name) => o[name] is JsonValue v ? v.GetValue<long>() : null;

    /// <summary>Runs <paramref name="body"/> for each item, at most <paramref name="parallelism"/> at once.</summary>
    public static Task ForEachAsync<T>(IEnumerable<T> items, int parallelism, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) => await body(item));
}
