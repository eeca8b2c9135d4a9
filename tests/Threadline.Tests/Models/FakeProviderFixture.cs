using System.Text.Json.Nodes;
using OpenAI.Assistants;
using Threadline.FakeUpstream;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// A fake OpenAI-compatible upstream and a real server that routes model <see cref="Model"/> to it (provider
/// <see cref="Provider"/>), with short retry settings: <see cref="MaxRetries"/> retries from a 50 ms base delay,
/// and a 1 s limit per try. Shared by the <see cref="FakeProviderCollection"/>, whose tests run one at a
/// time: each starts from <see cref="ResetUpstream"/> and scripts the upstream's next answers.
/// </summary>
/// <remarks>Public because xunit builds it for public test classes.</remarks>
public sealed class FakeProviderFixture : IAsyncLifetime
{
    public const string Provider = "fake";
    public const string Model = "fake-model";
    public const int MaxRetries = 2;
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    private FakeUpstreamServer? _upstream;
    private ThreadlineServer? _server;

    internal FakeUpstreamServer Upstream => _upstream ?? throw new InvalidOperationException("The fake upstream has not been started.");

    internal ThreadlineServer Server => _server ?? throw new InvalidOperationException("The server has not been started.");

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        _server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string>
            {
                ["Threadline:Models:Providers:0:Name"] = Provider,
                ["Threadline:Models:Providers:0:BaseUrl"] = _upstream.BaseUrl.ToString().TrimEnd('/'),
                ["Threadline:Models:Providers:0:ApiKey"] = "k",
                ["Threadline:Models:Providers:0:Models:0"] = Model,
                ["Threadline:Models:MaxRetries"] = MaxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Threadline:Models:RetryBaseDelay"] = "00:00:00.050",
                ["Threadline:Models:RequestTimeout"] = "00:00:01",
            },
        });

        // The server's first model call loads and compiles the provider client, which can take longer than the
        // 1 s allowed per try on a busy machine: make that call here, so that the tests count only their own tries.
        using var http = CreateHttpClient();
        var assistantId = await AssistantAsync(http);
        var threadId = await ThreadAsync(http, ("user", "warm up"));
        var run = await CreateRunAsync(http, threadId, assistantId);
        await RunWaiter.UntilTerminalAsync(http, threadId, (string)run["id"]!, TimeSpan.FromSeconds(30));
        _upstream.Reset();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        if (_upstream is not null)
            await _upstream.DisposeAsync();
    }

    public HttpClient CreateHttpClient() => Server.CreateHttpClient();

    public AssistantClient CreateAssistantClient() => Server.CreateAssistantClient();

    /// <summary>Forgets what the upstream saw and was told (the default answer echoes the last user message).</summary>
    internal void ResetUpstream() => Upstream.Reset();

    /// <summary>The chat completion requests the upstream received so far, oldest first.</summary>
    internal List<RecordedRequest> ChatRequests() =>
        Upstream.Requests.Where(r => r.Method == "POST" && r.Path == "/v1/chat/completions").ToList();

    /// <summary>Text of a chat message's content: a string, or its text parts joined.</summary>
    internal static string? ContentText(JsonNode? message) => message?["content"] switch
    {
        JsonValue v => (string?)v,
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"])),
        _ => null,
    };

    /// <summary>Makes an assistant on <see cref="Model"/> with the given extra fields (<c>{"instructions": ...}</c>).</summary>
    internal static async Task<string> AssistantAsync(HttpClient http, JsonObject? fields = null)
    {
        var body = fields?.DeepClone().AsObject() ?? new JsonObject();
        body["model"] = Model;
        return (string)(await http.PostOkAsync("assistants", body.ToJsonString()))["id"]!;
    }

    /// <summary>Makes a thread with these messages, <c>(role, text)</c>.</summary>
    internal static async Task<string> ThreadAsync(HttpClient http, params (string Role, string Text)[] messages)
    {
        var list = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Text }).ToArray());
        return (string)(await http.PostOkAsync("threads", new JsonObject { ["messages"] = list }.ToJsonString()))["id"]!;
    }

    /// <summary>Creates a run with the given fields (plus <c>assistant_id</c>) and returns it as created.</summary>
    internal static async Task<JsonObject> CreateRunAsync(HttpClient http, string threadId, string assistantId, JsonObject? fields = null)
    {
        var body = fields?.DeepClone().AsObject() ?? new JsonObject();
        body["assistant_id"] = assistantId;
        return await http.PostOkAsync($"threads/{threadId}/runs", body.ToJsonString());
    }

    /// <summary>The run's assistant messages (its reply), oldest first.</summary>
    internal static async Task<List<JsonObject>> RepliesAsync(HttpClient http, string threadId, string runId) =>
        (await http.GetOkAsync($"threads/{threadId}/messages?run_id={runId}&order=asc"))["data"]!.AsArray().Select(m => m!.AsObject()).ToList();

    /// <summary>The text of a stored message's first content part.</summary>
    internal static string? MessageText(JsonObject message) => (string?)message["content"]?[0]?["text"]?["value"];

    /// <summary>The server log, for failure messages.</summary>
    internal string Log() => Server.FormatLog(80);
}

/// <summary>The tests that script the shared <see cref="FakeProviderFixture"/>; one at a time, so that each owns the upstream.</summary>
[CollectionDefinition(Name)]
public sealed class FakeProviderCollection : ICollectionFixture<FakeProviderFixture>
{
    public const string Name = "fake upstream provider";
}
