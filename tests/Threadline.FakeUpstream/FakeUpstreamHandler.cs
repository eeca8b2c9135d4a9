using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;

namespace Threadline.FakeUpstream;

/// <summary>
/// Answers every request: records it, then <c>POST /v1/chat/completions</c>, <c>GET /v1/models</c>,
/// <c>GET /v1/models/{id}</c>, <c>POST /v1/embeddings</c> (<see cref="EmbeddingsWire"/>), or a 404 in the
/// OpenAI error envelope.
/// </summary>
internal sealed partial class FakeUpstreamHandler(FakeUpstreamState state, IHostApplicationLifetime lifetime)
{
    /// <summary>The models <c>GET /v1/models</c> lists (any model name is served all the same).</summary>
    public static readonly IReadOnlyList<string> ModelIds = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"];

    /// <summary>Characters per streamed piece of a tool call's arguments.</summary>
    private const int ArgumentPieceLength = 8;

    /// <summary>
    /// How long to let the transport send what was flushed before <c>HttpContext.Abort()</c>, so the client
    /// does see the tokens written before the cut (Abort drops output not yet on the socket).
    /// </summary>
    private static readonly TimeSpan DrainBeforeAbort = TimeSpan.FromMilliseconds(100);

    private static readonly char[] IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".ToCharArray();

    public async Task HandleAsync(HttpContext http)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        try
        {
            var request = http.Request;
            var rawBody = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(ct).ConfigureAwait(false);
            JsonNode? body = null;
            var bodyIsJson = true;
            if (rawBody.Length > 0)
            {
                try
                {
                    body = JsonNode.Parse(rawBody);
                }
                catch (JsonException)
                {
                    bodyIsJson = false;
                }
            }

            var path = request.Path.Value is { Length: > 0 } p ? p : "/";
            var recorded = state.Record(request.Method, path, request.QueryString.Value ?? "", CopyHeaders(request.Headers), rawBody, body);
            http.Response.Headers["x-request-id"] = "req_" + RandomId(24);

            var route = path.Length > 1 ? path.TrimEnd('/') : path;
            var isGet = HttpMethods.IsGet(request.Method);
            if (route.StartsWith("/v1/", StringComparison.Ordinal) && !await AuthorizedAsync(http, recorded, ct).ConfigureAwait(false))
            {
                return;
            }

            if (HttpMethods.IsPost(request.Method) && route == "/v1/chat/completions")
            {
                await ChatCompletionsAsync(http, recorded, bodyIsJson, ct).ConfigureAwait(false);
            }
            else if (HttpMethods.IsPost(request.Method) && route == "/v1/embeddings")
            {
                if (EmbeddingsWire.Answer(body, state.EmbeddingDimensions) is { } embeddings)
                {
                    await WriteJsonAsync(http, StatusCodes.Status200OK, embeddings, ct).ConfigureAwait(false);
                }
                else
                {
                    await WriteErrorAsync(http, StatusCodes.Status400BadRequest,
                        "'input' must be a non-empty string or array of strings.", "invalid_request_error", "input", null, ct).ConfigureAwait(false);
                }
            }
            else if (isGet && route == "/v1/models")
            {
                await WriteJsonAsync(http, StatusCodes.Status200OK, ModelList(), ct).ConfigureAwait(false);
            }
            else if (isGet && route.StartsWith("/v1/models/", StringComparison.Ordinal))
            {
                var id = Uri.UnescapeDataString(route["/v1/models/".Length..]);
                if (ModelIds.Contains(id))
                {
                    await WriteJsonAsync(http, StatusCodes.Status200OK, ModelObject(id).ToJsonString(), ct).ConfigureAwait(false);
                }
                else
                {
                    await WriteErrorAsync(http, StatusCodes.Status404NotFound,
                        $"The model '{id}' does not exist or you do not have access to it.", "invalid_request_error", null, "model_not_found", ct).ConfigureAwait(false);
                }
            }
            else
            {
                await WriteErrorAsync(http, StatusCodes.Status404NotFound,
                    $"Invalid URL ({request.Method} {path})", "invalid_request_error", null, null, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client gave up, or the server is stopping (a hang, a slow stream): drop the connection.
            http.Abort();
        }
        catch (Exception ex) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            await WriteErrorAsync(http, StatusCodes.Status500InternalServerError,
                "The fake upstream failed: " + ex, "server_error", null, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            http.Abort();
        }
    }

    private async Task<bool> AuthorizedAsync(HttpContext http, RecordedRequest recorded, CancellationToken ct)
    {
        var key = state.RequiredApiKey;
        if (key is null || recorded.Authorization == "Bearer " + key)
        {
            return true;
        }

        var message = recorded.Authorization is null
            ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            : "Incorrect API key provided.";
        await WriteErrorAsync(http, StatusCodes.Status401Unauthorized, message, "invalid_request_error", null,
            recorded.Authorization is null ? null : "invalid_api_key", ct).ConfigureAwait(false);
        return false;
    }

    private async Task ChatCompletionsAsync(HttpContext http, RecordedRequest recorded, bool bodyIsJson, CancellationToken ct)
    {
        if (!bodyIsJson || recorded.Body is not JsonObject body)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                "invalid_request_error", null, null, ct).ConfigureAwait(false);
            return;
        }

        if (Json.String(body["model"]) is not { Length: > 0 } model)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, "you must provide a model parameter",
                "invalid_request_error", null, null, ct).ConfigureAwait(false);
            return;
        }

        if (body["messages"] is not JsonArray)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, "Missing required parameter: 'messages'.",
                "invalid_request_error", "messages", "missing_required_parameter", ct).ConfigureAwait(false);
            return;
        }

        var behavior = state.Choose(body);
        recorded.Behavior = behavior;

        switch (behavior.Fault)
        {
            case FakeStatusFault status:
                await DelayAsync(behavior.LatencyMs, ct).ConfigureAwait(false);
                await WriteStatusFaultAsync(http, status, ct).ConfigureAwait(false);
                return;
            case FakeHangFault:
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                return;
        }

        var cutAfter = (behavior.Fault as FakeCutStreamFault)?.Tokens;
        var stream = Json.IsTrue(body["stream"]);
        var includeUsage = stream && body["stream_options"] is JsonObject streamOptions && Json.IsTrue(streamOptions["include_usage"]);
        var wire = new ChatWire("chatcmpl-" + RandomId(29), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, includeUsage);
        var promptTokens = CountPromptTokens(body);

        if (behavior.ToolCalls is { Count: > 0 } toolCalls)
        {
            var calls = toolCalls.Select(c => new PlannedToolCall("call_" + RandomId(24), c.Name, c.Arguments, SplitArguments(c.Arguments))).ToList();
            var usage = new Usage(promptTokens, calls.Sum(c => c.ArgumentPieces.Count + 1));
            if (stream)
            {
                await StreamToolCallsAsync(http, wire, behavior, calls, usage, includeUsage, cutAfter, ct).ConfigureAwait(false);
            }
            else
            {
                await DelayAsync(behavior.LatencyMs + (behavior.TokenIntervalMs * calls.Sum(c => c.ArgumentPieces.Count)), ct).ConfigureAwait(false);
                await WriteCompletionAsync(http, wire.Completion(calls, usage), cutAfter is not null, ct).ConfigureAwait(false);
            }

            return;
        }

        var tokens = ResolveTokens(behavior, body);
        var finishReason = "stop";
        var limit = Json.Int(body["max_completion_tokens"]) ?? Json.Int(body["max_tokens"]);
        if (limit is int max && max >= 0 && tokens.Count > max)
        {
            tokens = [.. tokens.Take(max)];
            finishReason = "length";
        }

        var textUsage = new Usage(promptTokens, tokens.Count);
        if (stream)
        {
            await StreamTextAsync(http, wire, behavior, tokens, finishReason, textUsage, includeUsage, cutAfter, ct).ConfigureAwait(false);
        }
        else
        {
            await DelayAsync(behavior.LatencyMs + (behavior.TokenIntervalMs * Math.Max(0, tokens.Count - 1)), ct).ConfigureAwait(false);
            await WriteCompletionAsync(http, wire.Completion(string.Concat(tokens), finishReason, textUsage), cutAfter is not null, ct).ConfigureAwait(false);
        }
    }

    private static async Task StreamTextAsync(HttpContext http, ChatWire wire, FakeBehavior behavior, IReadOnlyList<string> tokens,
        string finishReason, Usage usage, bool includeUsage, int? cutAfter, CancellationToken ct)
    {
        await DelayAsync(behavior.LatencyMs, ct).ConfigureAwait(false);
        StartEventStream(http.Response);
        await SendAsync(http.Response, wire.RoleChunk(), ct).ConfigureAwait(false);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i >= cutAfter)
            {
                await CutAsync(http).ConfigureAwait(false);
                return;
            }

            if (i > 0)
            {
                await DelayAsync(behavior.TokenIntervalMs, ct).ConfigureAwait(false);
            }

            await SendAsync(http.Response, wire.ContentChunk(tokens[i]), ct).ConfigureAwait(false);
        }

        if (cutAfter is not null)
        {
            await CutAsync(http).ConfigureAwait(false);
            return;
        }

        await EndEventStreamAsync(http.Response, wire, finishReason, usage, includeUsage, ct).ConfigureAwait(false);
    }

    private static async Task StreamToolCallsAsync(HttpContext http, ChatWire wire, FakeBehavior behavior, IReadOnlyList<PlannedToolCall> calls,
        Usage usage, bool includeUsage, int? cutAfter, CancellationToken ct)
    {
        await DelayAsync(behavior.LatencyMs, ct).ConfigureAwait(false);
        StartEventStream(http.Response);
        var emitted = 0;
        for (var index = 0; index < calls.Count; index++)
        {
            if (index > 0)
            {
                await DelayAsync(behavior.TokenIntervalMs, ct).ConfigureAwait(false);
            }

            await SendAsync(http.Response, wire.ToolCallStartChunk(index, calls[index]), ct).ConfigureAwait(false);
            foreach (var piece in calls[index].ArgumentPieces)
            {
                if (emitted >= cutAfter)
                {
                    await CutAsync(http).ConfigureAwait(false);
                    return;
                }

                await DelayAsync(behavior.TokenIntervalMs, ct).ConfigureAwait(false);
                await SendAsync(http.Response, wire.ToolCallArgumentsChunk(index, piece), ct).ConfigureAwait(false);
                emitted++;
            }
        }

        if (cutAfter is not null)
        {
            await CutAsync(http).ConfigureAwait(false);
            return;
        }

        await EndEventStreamAsync(http.Response, wire, "tool_calls", usage, includeUsage, ct).ConfigureAwait(false);
    }

    private static void StartEventStream(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
    }

    private static async Task EndEventStreamAsync(HttpResponse response, ChatWire wire, string finishReason, Usage usage, bool includeUsage, CancellationToken ct)
    {
        await SendAsync(response, wire.FinishChunk(finishReason), ct).ConfigureAwait(false);
        if (includeUsage)
        {
            await SendAsync(response, wire.UsageChunk(usage), ct).ConfigureAwait(false);
        }

        await SendAsync(response, ChatWire.Done.ToArray(), ct).ConfigureAwait(false);
    }

    /// <summary>Writes and flushes (the pipe copies <paramref name="data"/> before returning, so its buffer may be reused).</summary>
    private static async Task SendAsync(HttpResponse response, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var result = await response.BodyWriter.WriteAsync(data, ct).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The response stream was closed.", ct);
        }
    }

    /// <summary>Lets the transport send what was flushed, then drops the connection abruptly.</summary>
    private static async Task CutAsync(HttpContext http)
    {
        await Task.Delay(DrainBeforeAbort, http.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        http.Abort();
    }

    private static async Task WriteCompletionAsync(HttpContext http, byte[] json, bool cut, CancellationToken ct)
    {
        if (!cut)
        {
            await WriteJsonAsync(http, StatusCodes.Status200OK, json, ct).ConfigureAwait(false);
            return;
        }

        // Promise the whole body, send half of it, then drop the connection.
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.Length;
        await SendAsync(http.Response, json.AsMemory(0, json.Length / 2), ct).ConfigureAwait(false);
        await CutAsync(http).ConfigureAwait(false);
    }

    private static async Task WriteStatusFaultAsync(HttpContext http, FakeStatusFault fault, CancellationToken ct)
    {
        if (fault.RetryAfterSeconds is not null)
        {
            http.Response.Headers[HeaderNames.RetryAfter] = fault.RetryAfterSeconds;
        }

        if (fault.Code is < 200 or 204 or 205 or 304)
        {
            http.Response.StatusCode = fault.Code;
            return;
        }

        var body = fault.Body is not null ? Encoding.UTF8.GetBytes(fault.Body) : DefaultError(fault.Code);
        await WriteJsonAsync(http, fault.Code, body, ct).ConfigureAwait(false);
    }

    /// <summary>The envelope the real API sends for a status (close enough for clients to read it).</summary>
    private static byte[] DefaultError(int code) => code switch
    {
        400 => ChatWire.Error("Bad request (fake upstream).", "invalid_request_error", null, null),
        401 => ChatWire.Error("Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key"),
        403 => ChatWire.Error("You are not allowed to make this request (fake upstream).", "invalid_request_error", null, "permission_denied"),
        404 => ChatWire.Error("The model does not exist or you do not have access to it.", "invalid_request_error", null, "model_not_found"),
        429 => ChatWire.Error("Rate limit reached for requests (fake upstream). Please try again later.", "requests", null, "rate_limit_exceeded"),
        500 => ChatWire.Error("The server had an error while processing your request. Sorry about that!", "server_error", null, null),
        503 => ChatWire.Error("The engine is currently overloaded, please try again later.", "server_error", null, null),
        >= 500 => ChatWire.Error($"Upstream error {code} (fake upstream).", "server_error", null, null),
        _ => ChatWire.Error($"Request failed with status {code} (fake upstream).", "invalid_request_error", null, null),
    };

    private static Task WriteErrorAsync(HttpContext http, int status, string message, string type, string? param, string? code, CancellationToken ct) =>
        WriteJsonAsync(http, status, ChatWire.Error(message, type, param, code), ct);

    private static Task WriteJsonAsync(HttpContext http, int status, string json, CancellationToken ct) =>
        WriteJsonAsync(http, status, Encoding.UTF8.GetBytes(json), ct);

    private static async Task WriteJsonAsync(HttpContext http, int status, byte[] json, CancellationToken ct)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, ct).ConfigureAwait(false);
    }

    private static string ModelList()
    {
        var data = new JsonArray([.. ModelIds.Select(id => (JsonNode)ModelObject(id))]);
        return new JsonObject { ["object"] = "list", ["data"] = data }.ToJsonString();
    }

    private static JsonObject ModelObject(string id) => new()
    {
        ["id"] = id,
        ["object"] = "model",
        ["created"] = 1_715_367_049,
        ["owned_by"] = "system",
    };

    /// <summary>The behaviour's tokens, or <c>tok0 tok1 ...</c>, or the last user message's words (<c>"ok"</c> if none).</summary>
    private static IReadOnlyList<string> ResolveTokens(FakeBehavior behavior, JsonObject body)
    {
        if (behavior.Tokens is not null)
        {
            return behavior.Tokens;
        }

        if (behavior.TokenCount is int count)
        {
            return [.. Enumerable.Range(0, Math.Max(0, count)).Select(i => i == 0 ? "tok0" : " tok" + i)];
        }

        var words = WordTokens(Json.LastUserText(body) ?? "");
        return words.Count > 0 ? words : ["ok"];
    }

    /// <summary>"Hello big world" → "Hello", " big", " world".</summary>
    internal static IReadOnlyList<string> WordTokens(string text) => [.. WordPattern().Matches(text).Select(m => m.Value)];

    /// <summary>A rough count: 3 per message plus a token per 4 characters of text, tool arguments and tool definitions.</summary>
    internal static int CountPromptTokens(JsonObject body)
    {
        var chars = 0;
        var messages = 0;
        if (body["messages"] is JsonArray list)
        {
            foreach (var message in list.OfType<JsonObject>())
            {
                messages++;
                chars += Json.ContentText(message["content"])?.Length ?? 0;
                if (message["tool_calls"] is JsonArray calls)
                {
                    chars += calls.ToJsonString().Length;
                }
            }
        }

        if (body["tools"] is JsonArray tools)
        {
            chars += tools.ToJsonString().Length;
        }

        return 3 + (3 * messages) + ((chars + 3) / 4);
    }

    /// <summary>The arguments in pieces of a few characters (never splitting a surrogate pair); none when empty.</summary>
    internal static IReadOnlyList<string> SplitArguments(string arguments)
    {
        var pieces = new List<string>();
        var start = 0;
        while (start < arguments.Length)
        {
            var end = Math.Min(start + ArgumentPieceLength, arguments.Length);
            if (end < arguments.Length && char.IsHighSurrogate(arguments[end - 1]))
            {
                end++;
            }

            pieces.Add(arguments[start..end]);
            start = end;
        }

        return pieces;
    }

    private static Task DelayAsync(int milliseconds, CancellationToken ct) =>
        milliseconds > 0 ? Task.Delay(milliseconds, ct) : Task.CompletedTask;

    private static IReadOnlyDictionary<string, string> CopyHeaders(IHeaderDictionary headers)
    {
        var copy = new Dictionary<string, string>(headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            copy[name] = string.Join(", ", values.ToArray());
        }

        return copy;
    }

    private static string RandomId(int length) => new(RandomNumberGenerator.GetItems<char>(IdAlphabet, length));

    [GeneratedRegex(@"\s*\S+")]
    private static partial Regex WordPattern();
}
