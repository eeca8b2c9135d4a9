using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Threadline.Bench.Baseline;

/// <summary>
/// The ingest baseline: a bare ASP.NET Core endpoint (<c>baseline</c> mode of this executable, run as
/// its own process) at <c>POST /v1/threads/{thread_id}/messages</c> that parses the same body as
/// Threadline and answers a fixed <c>thread.message</c> object of the same shape and size; no storage.
/// </summary>
internal static class BaselineServer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        var app = builder.Build();
        var answer = FixedMessage();
        app.MapPost("/v1/threads/{threadId}/messages", async (string threadId, HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<MessageBody>(request.Body, Json, request.HttpContext.RequestAborted);
            if (body?.Role is null || body.Content is null)
                return Results.BadRequest(new { error = new { message = "Missing required parameter: 'role'.", type = "invalid_request_error", param = "role", code = (string?)null } });
            return Results.Json(answer, Json);
        });
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

    private sealed record MessageBody(string? Role, JsonElement? Content, JsonElement? Attachments, Dictionary<string, string>? Metadata);

    private sealed record MessageObject(
        string Id, string Object, long CreatedAt, string ThreadId, string Status, object? IncompleteDetails, long? CompletedAt, long? IncompleteAt,
        string Role, JsonNode[] Content, string? AssistantId, string? RunId, object[] Attachments, Dictionary<string, string> Metadata);
}
