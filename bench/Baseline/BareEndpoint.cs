using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Threadline.Bench.Baseline;

/// <summary>
/// The bare ingest baseline (<c>baseline</c> mode of this executable, run as its own process):
/// <c>POST /v1/threads/{thread_id}/messages</c> parses the same body as Threadline and answers a fixed
/// <c>thread.message</c> object of the same shape and size; no storage. What Kestrel alone can do.
/// </summary>
internal static class BareEndpoint
{
    public const string Mode = "baseline";

    public static async Task<int> RunAsync(string[] args)
    {
        var app = BaselineHost.CreateBuilder(args).Build();
        var answer = FixedMessage();
        app.MapPost("/v1/threads/{threadId}/messages", async (string threadId, HttpRequest request) =>
            await BaselineHost.ReadBodyAsync(request) is null ? BaselineHost.MissingRole() : Results.Json(answer, BaselineHost.Json));
        app.MapGet("/healthz", () => "ok");
        await app.RunAsync();
        return 0;
    }

    /// <summary>What Threadline answers to the same request, with fixed values.</summary>
    private static MessageObject FixedMessage() => new(
        "msg_BaselineFixedAnswer000001", "thread.message", 1_760_000_000, "thread_BaselineFixedThread00001", "completed", null, null, null,
        "user",
        [new JsonObject { ["type"] = "text", ["text"] = new JsonObject { ["value"] = "Hello! My order #4521 has not arrived yet. Can you check where it is?", ["annotations"] = new JsonArray() } }],
        null, null, [], new Dictionary<string, string>());
}
