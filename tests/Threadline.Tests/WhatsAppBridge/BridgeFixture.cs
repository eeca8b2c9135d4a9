using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>
/// The whole chain on loopback, started once for the collection: a Threadline server process (echo
/// model), a fake Graph API, the bridge process wired to both, and a Threadline webhook endpoint
/// (known secret, <c>thread.run.completed</c> only) pointing at the bridge. Each test uses users of its own.
/// </summary>
public sealed class BridgeFixture : IAsyncLifetime
{
    /// <summary>The bridge's debounce: short, so the tests are quick, and long enough for a burst of posts on loopback.</summary>
    public const int DebounceMs = 1000;

    public const string VerifyToken = "verify-me-please";
    public const string AccessToken = "graph-access-token";
    public const string PhoneNumberId = "106540352242922";
    public readonly string AppSecret = "meta-app-secret-" + Guid.NewGuid().ToString("N");
    public readonly string WebhookSecret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    private ThreadlineServer? _threadline;
    private FakeGraphApi? _graph;
    private BridgeProcess? _bridge;
    private HttpClient? _api;
    private HttpClient? _meta;

    internal ThreadlineServer Threadline => _threadline ?? throw NotStarted();
    internal FakeGraphApi Graph => _graph ?? throw NotStarted();
    internal BridgeProcess Bridge => _bridge ?? throw NotStarted();

    /// <summary>Threadline's API (<c>/v1/</c>), for checking what the bridge did there.</summary>
    public HttpClient Api => _api ?? throw NotStarted();

    /// <summary>A plain client for calling the bridge as Meta or Threadline would.</summary>
    public HttpClient BridgeHttp => _meta ?? throw NotStarted();

    internal MetaWebhooks Meta => new(BridgeHttp, Bridge.MetaWebhookUrl, AppSecret, PhoneNumberId);

    public string AssistantId { get; private set; } = "";

    public string EndpointId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _threadline = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string>
            {
                // Quick retries for the test where the Graph API fails once.
                ["Threadline:Webhooks:RetrySchedule:0"] = "00:00:00.500",
                ["Threadline:Webhooks:RetrySchedule:1"] = "00:00:00.500",
            },
        });
        _api = _threadline.CreateHttpClient();
        AssistantId = (string)(await _api.PostOkAsync("assistants", """{"model":"echo","name":"whatsapp bridge tests"}"""))["id"]!;
        _graph = await FakeGraphApi.StartAsync();
        _bridge = await BridgeProcess.StartAsync(new Dictionary<string, string>
        {
            ["VerifyToken"] = VerifyToken,
            ["AppSecret"] = AppSecret,
            ["AccessToken"] = AccessToken,
            ["PhoneNumberId"] = PhoneNumberId,
            ["GraphBaseUrl"] = _graph.BaseUrl.ToString(),
            ["ThreadlineBaseUrl"] = _threadline.ApiUrl.ToString(),
            ["AssistantId"] = AssistantId,
            ["WebhookSecret"] = WebhookSecret,
            ["DebounceMs"] = DebounceMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _meta = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        var endpoint = await _api.PostOkAsync("webhook_endpoints", JsonSerializer.Serialize(new
        {
            url = _bridge.ThreadlineEventsUrl.ToString(),
            events = new[] { "thread.run.completed" },
            description = "WhatsApp bridge",
            secret = WebhookSecret,
        }));
        EndpointId = (string)endpoint["id"]!;
        Assert.Equal(WebhookSecret, (string?)endpoint["secret"]);
    }

    /// <summary>The thread Threadline keeps for <paramref name="waId"/> (<c>external_id = whatsapp:&lt;wa_id&gt;</c>), or null.</summary>
    public async Task<JsonObject?> ThreadOfAsync(string waId)
    {
        var list = await Api.GetOkAsync($"threads?external_id={Uri.EscapeDataString("whatsapp:" + waId)}");
        var data = list["data"]!.AsArray();
        Assert.True(data.Count <= 1, $"More than one thread for whatsapp:{waId}: {list.ToJsonString()}");
        return data.Count == 0 ? null : data[0]!.AsObject();
    }

    public async Task<List<JsonObject>> RunsOfAsync(string threadId) =>
        (await Api.GetOkAsync($"threads/{threadId}/runs?limit=100&order=asc"))["data"]!.AsArray().Select(r => r!.AsObject()).ToList();

    public async Task<List<JsonObject>> MessagesOfAsync(string threadId) =>
        (await Api.GetOkAsync($"threads/{threadId}/messages?limit=100&order=asc"))["data"]!.AsArray().Select(m => m!.AsObject()).ToList();

    /// <summary>Every delivery of the bridge's endpoint.</summary>
    public async Task<List<JsonObject>> DeliveriesAsync()
    {
        var all = new List<JsonObject>();
        string? after = null;
        while (true)
        {
            var page = await Api.GetOkAsync($"webhook_endpoints/{EndpointId}/deliveries?limit=100&order=asc{(after is null ? "" : "&after=" + after)}");
            all.AddRange(page["data"]!.AsArray().Select(d => d!.AsObject()));
            if (page["has_more"]?.GetValue<bool>() != true)
                return all;
            after = (string)page["last_id"]!;
        }
    }

    /// <summary>
    /// Polls until nothing more can happen for these users: each has its thread, every run of it is
    /// terminal, and every <c>thread.run.completed</c> of it was delivered to the bridge and acknowledged
    /// (the bridge acknowledges only after the Graph API took the reply). After that, a reply that has
    /// not reached the fake Graph API never will.
    /// </summary>
    public async Task WaitUntilSettledAsync(IReadOnlyCollection<string> waIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string state;
        while (true)
        {
            (var settled, state) = await SettledAsync(waIds);
            if (settled)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Not settled within {timeout}: {state}\n{Describe()}");
            await Task.Delay(50);
        }
    }

    private async Task<(bool, string)> SettledAsync(IReadOnlyCollection<string> waIds)
    {
        var threads = new Dictionary<string, string>();
        foreach (var waId in waIds)
        {
            if (await ThreadOfAsync(waId) is not { } thread)
                return (false, $"no thread for {waId} yet");
            threads[(string)thread["id"]!] = waId;
        }

        var completedRuns = 0;
        foreach (var threadId in threads.Keys)
        {
            var runs = await RunsOfAsync(threadId);
            if (runs.FirstOrDefault(r => (string?)r["status"] is not ("completed" or "failed" or "cancelled" or "expired" or "incomplete")) is { } open)
                return (false, $"run {open["id"]} of {threadId} is {open["status"]}");
            completedRuns += runs.Count(r => (string?)r["status"] == "completed");
        }

        // The outbox is written with the run's final state, so every completed run has its delivery by now.
        var deliveries = (await DeliveriesAsync()).Where(d => threads.ContainsKey((string?)d["thread_id"] ?? "")).ToList();
        if (deliveries.FirstOrDefault(d => (string?)d["status"] != "succeeded") is { } unfinished)
            return (false, $"delivery {unfinished.ToJsonString()} not succeeded");
        if (deliveries.Count != completedRuns)
            return (false, $"{deliveries.Count} deliveries for {completedRuns} completed runs");
        return (true, "settled");
    }

    /// <summary>Everything worth seeing when a test fails: Graph requests and both processes' logs.</summary>
    public string Describe() =>
        $"{Graph.Describe()}\n--- bridge log ---\n{Bridge.FormatLog(120)}\n--- threadline log ---\n{Threadline.FormatLog(80)}";

    public async Task DisposeAsync()
    {
        _meta?.Dispose();
        _api?.Dispose();
        if (_bridge is not null)
            await _bridge.DisposeAsync();
        if (_graph is not null)
            await _graph.DisposeAsync();
        if (_threadline is not null)
            await _threadline.DisposeAsync();
    }

    private static InvalidOperationException NotStarted() => new("The WhatsApp bridge fixture has not been started.");
}

[CollectionDefinition(Name)]
public sealed class BridgeCollection : ICollectionFixture<BridgeFixture>
{
    public const string Name = "whatsapp bridge";
}
