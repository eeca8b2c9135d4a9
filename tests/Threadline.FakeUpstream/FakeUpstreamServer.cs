using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Threadline.FakeUpstream;

/// <summary>
/// A fake OpenAI-compatible upstream: Kestrel on <c>http://127.0.0.1:PORT</c> in this process, serving
/// <c>POST /v1/chat/completions</c> (whole and streamed, text and tool calls) and <c>GET /v1/models</c>,
/// answering each chat request with a scripted <see cref="FakeBehavior"/> and recording every request.
/// </summary>
/// <example>
/// <code>
/// await using var upstream = await FakeUpstreamServer.StartAsync();
/// upstream.Enqueue(FakeBehavior.Fail(FakeFault.Status(429, retryAfterSeconds: "1")));
/// var client = new ChatClient("gpt-4o-mini", new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = upstream.BaseUrl });
/// </code>
/// </example>
public sealed class FakeUpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeUpstreamState _state;
    private int _disposed;

    private FakeUpstreamServer(WebApplication app, FakeUpstreamState state, Uri rootUrl)
    {
        _app = app;
        _state = state;
        RootUrl = rootUrl;
        BaseUrl = new Uri(rootUrl, "v1/");
    }

    /// <summary>The OpenAI base URL, e.g. <c>http://127.0.0.1:4567/v1/</c> (an SDK's <c>Endpoint</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:4567/</c>.</summary>
    public Uri RootUrl { get; }

    public int Port => RootUrl.Port;

    /// <summary>The behaviour when nothing is queued and the <see cref="Selector"/> has no answer. Initially <see cref="FakeBehavior.Echo"/>.</summary>
    public FakeBehavior Default
    {
        get => _state.Default;
        set => _state.Default = value;
    }

    /// <summary>Chooses by request body (e.g. by <c>model</c>) when nothing is queued; null means "use <see cref="Default"/>".</summary>
    public Func<JsonNode, FakeBehavior?>? Selector
    {
        get => _state.Selector;
        set => _state.Selector = value;
    }

    /// <summary>When set, every <c>/v1/</c> request must carry <c>Authorization: Bearer</c> this key, or gets a 401.</summary>
    public string? RequiredApiKey
    {
        get => _state.RequiredApiKey;
        set => _state.RequiredApiKey = value;
    }

    /// <summary>Queued behaviours not yet used.</summary>
    public int PendingBehaviors => _state.PendingBehaviors;

    /// <summary>Every request received so far (a snapshot), in order of arrival.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>Starts Kestrel on <c>http://127.0.0.1:<paramref name="port"/></c> (0: a free port).</summary>
    public static Task<FakeUpstreamServer> StartAsync(int port = 0) => StartAsync(port, FakeBehavior.Echo);

    /// <summary>Starts Kestrel on <c>http://127.0.0.1:<paramref name="port"/></c> with <paramref name="defaultBehavior"/> as the <see cref="Default"/> (and what <see cref="Reset"/> restores).</summary>
    public static async Task<FakeUpstreamServer> StartAsync(int port, FakeBehavior defaultBehavior)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentNullException.ThrowIfNull(defaultBehavior);
        var state = new FakeUpstreamState(defaultBehavior);
        var app = FakeUpstreamApp.Build([], state, console: false);
        app.Urls.Add($"http://127.0.0.1:{port}");
        try
        {
            await app.StartAsync().ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new FakeUpstreamServer(app, state, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Queues a behaviour for the next chat completion request (first in, first out).</summary>
    public void Enqueue(FakeBehavior b) => _state.Enqueue(b);

    /// <summary>
    /// The first recorded request that matches (any request when <paramref name="match"/> is null), whether
    /// already received or still to come; a <see cref="TimeoutException"/> listing what was received otherwise.
    /// </summary>
    public Task<RecordedRequest> WaitForRequestAsync(Func<RecordedRequest, bool>? match, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _state.WaitForRequestAsync(match, timeout, cancellationToken);

    /// <summary>
    /// Forgets the recorded requests and the queued behaviours, and restores <see cref="Default"/> (to the one
    /// it started with), <see cref="Selector"/> and <see cref="RequiredApiKey"/> (to null).
    /// </summary>
    public void Reset() => _state.Reset();

    /// <summary>Stops the server: hanging and streaming requests are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _state.FailWaiters(new ObjectDisposedException(nameof(FakeUpstreamServer)));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override string ToString() => $"Fake upstream at {BaseUrl}";
}
