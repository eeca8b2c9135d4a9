using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Threadline.Tests.WhatsAppBridge;

/// <summary>One request to the fake Graph API's messages endpoint, and how it was answered.</summary>
internal sealed record GraphRequest(int Sequence, DateTimeOffset ArrivedAt, string PhoneNumberId, string? Authorization, string Body, int AnsweredStatus)
{
    public JsonObject? Json => JsonNode.Parse(Body) as JsonObject;

    public string? To => (string?)Json?["to"];

    public string? Text => (string?)Json?["text"]?["body"];

    /// <summary>Meta accepted it: the user got the message.</summary>
    public bool Delivered => AnsweredStatus == 200;

    public override string ToString() => $"#{Sequence} {PhoneNumberId} to={To} -> {AnsweredStatus}: {Text?.Replace("\n", "\\n", StringComparison.Ordinal)}";
}

/// <summary>
/// The WhatsApp Cloud API as the bridge sees it: Kestrel on loopback serving
/// <c>POST /{phone-number-id}/messages</c>, recording every request and answering like Meta
/// (<c>{"messaging_product":"whatsapp","contacts":[...],"messages":[{"id":"wamid..."}]}</c>), or with a
/// failure scripted for a recipient.
/// </summary>
internal sealed class FakeGraphApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<GraphRequest> _requests = [];
    private readonly Dictionary<string, Queue<int>> _failures = [];

    private FakeGraphApi(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>What the bridge's <c>GraphBaseUrl</c> points at, e.g. <c>http://127.0.0.1:4567/v21.0</c>.</summary>
    public Uri BaseUrl { get; }

    public IReadOnlyList<GraphRequest> Requests
    {
        get
        {
            lock (_gate)
                return _requests.ToList();
        }
    }

    /// <summary>Messages Meta accepted for <paramref name="waId"/>, in order.</summary>
    public IReadOnlyList<GraphRequest> DeliveredTo(string waId) => Requests.Where(r => r.To == waId && r.Delivered).ToList();

    public static async Task<FakeGraphApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeGraphApi? fake = null;
        app.MapPost("/v21.0/{phoneNumberId}/messages", (string phoneNumberId, HttpContext http) => fake!.HandleAsync(phoneNumberId, http));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake = new FakeGraphApi(app, new Uri(address.TrimEnd('/') + "/v21.0"));
        return fake;
    }

    /// <summary>The next <paramref name="times"/> messages to <paramref name="waId"/> are answered <paramref name="status"/> (Meta having a bad moment).</summary>
    public void FailNextFor(string waId, int status, int times = 1)
    {
        lock (_gate)
        {
            if (!_failures.TryGetValue(waId, out var queue))
                _failures[waId] = queue = new Queue<int>();
            for (var i = 0; i < times; i++)
                queue.Enqueue(status);
        }
    }

    /// <summary>Polls until every user in <paramref name="waIds"/> has at least one delivered message; fails with what arrived otherwise.</summary>
    public async Task WaitForDeliveredAsync(IReadOnlyCollection<string> waIds, TimeSpan timeout, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var got = Requests.Where(r => r.Delivered).Select(r => r.To).ToHashSet();
            var missing = waIds.Where(w => !got.Contains(w)).ToList();
            if (missing.Count == 0)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"No reply reached {missing.Count} of {waIds.Count} users within {timeout} (e.g. {string.Join(", ", missing.Take(5))}).\n{Describe()}\n{context?.Invoke()}");
            await Task.Delay(25);
        }
    }

    public string Describe()
    {
        var all = Requests;
        return "Graph API requests:\n" + (all.Count == 0 ? "  (none)" : string.Join("\n", all.Select(r => "  " + r)));
    }

    private async Task HandleAsync(string phoneNumberId, HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var to = (JsonNode.Parse(body) as JsonObject)?["to"]?.ToString() ?? "";
        GraphRequest request;
        lock (_gate)
        {
            var status = _failures.TryGetValue(to, out var queue) && queue.Count > 0 ? queue.Dequeue() : 200;
            request = new GraphRequest(_requests.Count + 1, DateTimeOffset.UtcNow, phoneNumberId, http.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, body, status);
            _requests.Add(request);
        }

        http.Response.StatusCode = request.AnsweredStatus;
        var answer = request.Delivered
            ? new JsonObject
            {
                ["messaging_product"] = "whatsapp",
                ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = to }),
                ["messages"] = new JsonArray(new JsonObject { ["id"] = $"wamid.fake{request.Sequence}" }),
            }
            : new JsonObject { ["error"] = new JsonObject { ["message"] = "(#131000) Something went wrong", ["type"] = "OAuthException", ["code"] = 131000 } };
        await http.Response.WriteAsJsonAsync(answer, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
