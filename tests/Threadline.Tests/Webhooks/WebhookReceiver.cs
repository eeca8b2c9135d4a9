using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>How the receiver answers one request.</summary>
/// <param name="Status">The status code.</param>
/// <param name="RetryAfter">A <c>Retry-After</c> header value, if any.</param>
/// <param name="Delay">Real time to wait before answering (a slow receiver).</param>
/// <param name="Hold">Never answer: keep the request open until the caller gives up (or the receiver is disposed).</param>
internal sealed record ReceiverAnswer(int Status, string? RetryAfter = null, TimeSpan Delay = default, bool Hold = false)
{
    public static readonly ReceiverAnswer Ok = new(200);

    public static ReceiverAnswer Fail(int status, string? retryAfter = null) => new(status, retryAfter);

    public static ReceiverAnswer Slow(TimeSpan delay) => new(200, Delay: delay);

    public static readonly ReceiverAnswer Held = new(200, Hold: true);
}

/// <summary>One request as it reached the receiver: the exact body bytes and every header.</summary>
internal sealed class ReceivedWebhook
{
    public required int Sequence { get; init; }
    public required DateTimeOffset ArrivedAt { get; init; }
    public required string Method { get; init; }
    public required string Path { get; init; }
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
    public required byte[] Body { get; init; }
    public required ReceiverAnswer Answer { get; init; }

    private long _answeredAtTicks;

    /// <summary>When the receiver began to answer (null while held or delayed, or when the caller gave up first).</summary>
    public DateTimeOffset? AnsweredAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _answeredAtTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
        internal set => Interlocked.Exchange(ref _answeredAtTicks, value?.UtcTicks ?? 0);
    }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    public string WebhookId => Header("webhook-id") ?? throw new InvalidOperationException($"request {Sequence} has no webhook-id header");

    /// <summary>The body parsed as JSON (null when it is not JSON).</summary>
    public JsonObject? Json
    {
        get
        {
            try
            {
                return JsonNode.Parse(Body) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }
    }

    public string? EventType => (string?)Json?["type"];

    /// <summary>The thread the event is about: <c>data.run.thread_id</c>, or <c>data.thread_id</c> for a message event.</summary>
    public string? ThreadId => (string?)(Json?["data"]?["run"]?["thread_id"] ?? Json?["data"]?["thread_id"]);

    public string? RunId => (string?)(Json?["data"]?["run"]?["id"] ?? Json?["data"]?["run_id"]);

    public override string ToString() =>
        $"#{Sequence} {Method} {Path} webhook-id={Header("webhook-id")} type={EventType} thread={ThreadId} run={RunId} -> {Answer.Status}{(Answer.Hold ? " (held)" : "")}";
}

/// <summary>
/// A real HTTP receiver for webhooks: Kestrel on <c>http://127.0.0.1:PORT/hooks</c> in the test
/// process. It records every request (raw body bytes and headers) before answering, and answers as
/// the test scripts it: queued answers first, in order, then <see cref="Default"/>.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Queue<ReceiverAnswer> _script = new();
    private readonly List<ReceivedWebhook> _received = [];
    private readonly object _gate = new();

    private WebhookReceiver(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
        Url = new Uri(root, "hooks");
    }

    /// <summary>The URL to register as the endpoint.</summary>
    public Uri Url { get; }

    public Uri Root { get; }

    /// <summary>The answer when nothing is queued. Initially 200.</summary>
    public ReceiverAnswer Default { get; set; } = ReceiverAnswer.Ok;

    /// <summary>Chooses the answer when nothing is queued (null result: <see cref="Default"/>).</summary>
    public Func<ReceivedWebhook, ReceiverAnswer?>? Selector { get; set; }

    /// <summary>Every request so far, in order of arrival.</summary>
    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_gate)
                return _received.ToList();
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.Run(context => receiver!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver = new WebhookReceiver(app, new Uri(address.TrimEnd('/') + "/"));
        return receiver;
    }

    /// <summary>Queues answers for the next requests, in order.</summary>
    public void Enqueue(params ReceiverAnswer[] answers)
    {
        lock (_gate)
            foreach (var a in answers)
                _script.Enqueue(a);
    }

    /// <summary>Requests whose body is about <paramref name="threadId"/>.</summary>
    public IReadOnlyList<ReceivedWebhook> ForThread(string threadId) => Received.Where(r => r.ThreadId == threadId).ToList();

    /// <summary>Polls until <paramref name="count"/> requests match; fails the test with what arrived otherwise.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<ReceivedWebhook, bool> match, int count = 1, TimeSpan? timeout = null, string? what = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var matching = Received.Where(match).ToList();
            if (matching.Count >= count)
                return matching;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"The receiver did not get {count} request(s) {what ?? "matching"} within {limit}; got {matching.Count}. All requests:\n{Describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Polls until no request has arrived for <paramref name="quiet"/> (make it longer than the answers take): the
    /// only way to see that nothing more is coming, e.g. no second copy of an event. Fails at <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitUntilQuietAsync(TimeSpan quiet, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var all = Received;
            if (all.Count == 0 || DateTimeOffset.UtcNow - all.Max(r => r.ArrivedAt) >= quiet)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"The receiver was not quiet for {quiet} within {timeout}. All requests:\n{Describe()}");
            await Task.Delay(50);
        }
    }

    public Task<IReadOnlyList<ReceivedWebhook>> WaitForThreadAsync(string threadId, string eventType, int count = 1, TimeSpan? timeout = null) =>
        WaitForAsync(r => r.ThreadId == threadId && r.EventType == eventType, count, timeout, $"of type {eventType} for {threadId}");

    public string Describe()
    {
        var all = Received;
        return all.Count == 0 ? "(none)" : string.Join("\n", all.Select(r => "  " + r));
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        ReceivedWebhook received;
        lock (_gate)
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var draft = new ReceivedWebhook
            {
                Sequence = _received.Count + 1, ArrivedAt = DateTimeOffset.UtcNow, Method = context.Request.Method,
                Path = context.Request.Path + context.Request.QueryString, Headers = headers, Body = buffer.ToArray(), Answer = ReceiverAnswer.Ok,
            };
            var answer = _script.Count > 0 ? _script.Dequeue() : SafeSelect(draft) ?? Default;
            received = new ReceivedWebhook
            {
                Sequence = draft.Sequence, ArrivedAt = draft.ArrivedAt, Method = draft.Method, Path = draft.Path,
                Headers = draft.Headers, Body = draft.Body, Answer = answer,
            };
            _received.Add(received);
        }

        var answerWith = received.Answer;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            if (answerWith.Hold)
                await Task.Delay(Timeout.Infinite, linked.Token);
            else if (answerWith.Delay > TimeSpan.Zero)
                await Task.Delay(answerWith.Delay, linked.Token);
        }
        catch (OperationCanceledException)
        {
            return; // the caller gave up (or the receiver stops): nothing to answer
        }

        received.AnsweredAt = DateTimeOffset.UtcNow; // before a byte goes out: the caller cannot have seen the answer earlier
        context.Response.StatusCode = answerWith.Status;
        if (answerWith.RetryAfter is { } retryAfter)
            context.Response.Headers.RetryAfter = retryAfter;
        await context.Response.WriteAsync($"answered {answerWith.Status}", CancellationToken.None);
    }

    private ReceiverAnswer? SafeSelect(ReceivedWebhook request)
    {
        try
        {
            return Selector?.Invoke(request);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
