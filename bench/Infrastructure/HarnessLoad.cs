namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The fallback load generator, for machines without wrk: <see cref="ClosedLoop"/> with .NET's
/// HttpClient. Its own CPU competes with the server's on a small machine, so it is used only when
/// wrk is not on PATH (or <c>--generator harness</c>).
/// </summary>
internal sealed class HarnessLoad : ILoadGenerator
{
    public string Name => "harness client (.NET HttpClient, in the harness process)";

    public async Task<LoadResult> RunAsync(LoadRequest request, int clients, TimeSpan warmup, TimeSpan window, ServiceProcess server, CancellationToken ct)
    {
        using var http = Http.Client(server.BaseUrl);
        var method = new HttpMethod(request.Method);
        var nonce = Guid.NewGuid().ToString("N")[..12];
        var acked = new List<string>();
        long sent = 0;
        var result = await ClosedLoop.RunAsync(clients, warmup, window, server, async (_, ct) =>
        {
            using var message = new HttpRequestMessage(method, request.PathFor(Random.Shared));
            if (request.Body is { } body)
                message.Content = Http.Json(body);
            if (request.IdempotencyKeys)
                message.Headers.Add("Idempotency-Key", $"{nonce}-{Interlocked.Increment(ref sent)}");
            using var response = await http.SendAsync(message, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{(int)response.StatusCode}: {Http.Truncate(System.Text.Encoding.UTF8.GetString(bytes))}");
            if (request.CaptureIds)
            {
                var id = JsonId.Of(bytes);
                lock (acked)
                    acked.Add(id);
            }
            return true;
        }, ct);
        return result with { AckedIds = acked };
    }
}
