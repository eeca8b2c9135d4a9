using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Threadline.Bench.Baseline;

/// <summary>
/// The durable-storage limit for ingest (<c>durable-baseline</c> mode of this executable, its own
/// process): <c>POST /v1/threads/{thread_id}/messages</c> parses the same body as Threadline, appends
/// the message through <see cref="GroupCommitWriter"/> and answers, after the commit that holds it, a
/// <c>thread.message</c> object shaped like Threadline's. No thread check, no positions, no
/// idempotency: what durable ingest costs on this machine before any product logic.
/// <c>GET /stats</c> tells how many messages shared each commit.
/// </summary>
internal static class DurableEndpoint
{
    public const string Mode = "durable-baseline";
    public const string FileName = "baseline.db";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <param name="args">ASP.NET Core's, plus <c>--DataDirectory DIR</c>: the SQLite file is DIR/baseline.db.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = BaselineHost.CreateBuilder(args);
        var directory = builder.Configuration["DataDirectory"] ?? throw new ArgumentException("durable-baseline needs --DataDirectory DIR.");
        await using var writer = new GroupCommitWriter(Path.Combine(directory, FileName));
        var app = builder.Build();
        app.MapPost("/v1/threads/{threadId}/messages", async (string threadId, HttpRequest request) =>
        {
            if (await BaselineHost.ReadBodyAsync(request) is not { } body)
                return BaselineHost.MissingRole();
            var content = BaselineHost.ContentParts(body.Content!.Value);
            var metadata = body.Metadata ?? [];
            var message = new MessageObject("msg_" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 24)), "thread.message",
                DateTimeOffset.UtcNow.ToUnixTimeSeconds(), threadId, "completed", null, null, null, body.Role!, content, null, null, [], metadata);
            await writer.AppendAsync(new MessageRow(message.Id, threadId, message.CreatedAt, message.Role,
                content.ToJsonString(), JsonSerializer.Serialize(metadata, BaselineHost.Json)));
            return Results.Json(message, BaselineHost.Json);
        });
        app.MapGet("/stats", () =>
        {
            var (commits, rows) = writer.Counts;
            return Results.Json(new { commits, rows });
        });
        app.MapGet("/healthz", () => "ok");
        await app.RunAsync();
        return 0;
    }
}
