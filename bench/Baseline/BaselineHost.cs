using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Threadline.Bench.Baseline;

/// <summary>What both ingest baselines share: a slim Kestrel host, the JSON settings, and the request body of create message.</summary>
internal static class BaselineHost
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>A slim ASP.NET Core host that logs only its listening line (the harness waits for it) and warnings.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        return builder;
    }

    /// <summary>Parses the body as Threadline's create message does; null when role or content is missing.</summary>
    public static async Task<MessageBody?> ReadBodyAsync(HttpRequest request)
    {
        var body = await JsonSerializer.DeserializeAsync<MessageBody>(request.Body, Json, request.HttpContext.RequestAborted);
        return body?.Role is null || body.Content is null ? null : body;
    }

    public static IResult MissingRole() =>
        Results.BadRequest(new { error = new { message = "Missing required parameter: 'role'.", type = "invalid_request_error", param = "role", code = (string?)null } });

    /// <summary>The content parts of a message: a string becomes one text part, an array is kept as given.</summary>
    public static JsonArray ContentParts(JsonElement content) =>
        content.ValueKind == JsonValueKind.String
            ? [new JsonObject { ["type"] = "text", ["text"] = new JsonObject { ["value"] = content.GetString(), ["annotations"] = new JsonArray() } }]
            : JsonNode.Parse(content.GetRawText()) as JsonArray ?? [];
}

internal sealed record MessageBody(string? Role, JsonElement? Content, JsonElement? Attachments, Dictionary<string, string>? Metadata);

/// <summary>The <c>thread.message</c> object as Threadline answers it (same fields, same order).</summary>
internal sealed record MessageObject(
    string Id, string Object, long CreatedAt, string ThreadId, string Status, object? IncompleteDetails, long? CompletedAt, long? IncompleteAt,
    string Role, JsonArray Content, string? AssistantId, string? RunId, object[] Attachments, Dictionary<string, string> Metadata);
