using System.Diagnostics;
using System.Net;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// What a careful client of a deployment does: each request goes to a node that is up, chosen at random;
/// a POST carries an <c>Idempotency-Key</c>, so it can be sent again without being done twice; a send
/// that fails on the connection (the node died), answers 503 (its database is unreachable) or 409
/// <c>idempotency_key_in_use</c> (a dead node's request holds the key until its lock lapses) goes again,
/// to whichever node is up then, with the same key. Every other answer is the caller's. Each handler
/// owns its connections: one handler per client keeps the clients independent.
/// </summary>
internal sealed class FailoverHandler(Nodes nodes, ClientFigures figures) : DelegatingHandler(new SocketsHttpHandler
{
    ConnectTimeout = TimeSpan.FromSeconds(5),
    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
})
{
    /// <summary>Where every request is addressed before a node is chosen for it.</summary>
    public static readonly Uri Placeholder = new("http://threadline.invalid/v1/");

    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(30);

    public static HttpClient NewClient(Nodes nodes, ClientFigures figures)
    {
        var client = new HttpClient(new FailoverHandler(nodes, figures)) { BaseAddress = Placeholder, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("OpenAI-Beta", "assistants=v2");
        return client;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post && !request.Headers.Contains("Idempotency-Key"))
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            if (nodes.PickLive(Random.Shared) is { } node)
            {
                request.RequestUri = new UriBuilder(request.RequestUri!) { Host = node.BaseUrl.Host, Port = node.BaseUrl.Port }.Uri;
                if (await TrySendAsync(request, cancellationToken) is { } response)
                {
                    figures.Answered(clock.Elapsed, attempt);
                    return response;
                }
            }

            if (clock.Elapsed > GiveUpAfter)
                throw new TimeoutException($"{request.Method} {request.RequestUri} found no node to answer it within {GiveUpAfter}");
            // A short pause, growing: the node that died is replaced in seconds, a lapsed key lock in about two.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * attempt, 500)), cancellationToken);
        }
    }

    /// <summary>The node's answer, read whole (a body cut off by a crash is a failed send too), or null to send again.</summary>
    private async Task<HttpResponseMessage?> TrySendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                figures.Unavailable();
            else if (response.StatusCode == HttpStatusCode.Conflict && (await response.Content.ReadAsStringAsync(cancellationToken)).Contains("idempotency_key_in_use", StringComparison.Ordinal))
                figures.KeyInUse();
            else
                return response;
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            figures.ConnectionFailed();
        }

        response?.Dispose();
        return null;
    }
}
