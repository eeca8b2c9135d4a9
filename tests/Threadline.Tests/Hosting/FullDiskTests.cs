using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Hosting;

/// <summary>
/// A full disk under the SQLite file, on a real (small) filesystem: writes answer 503
/// <c>storage_full</c> with a Retry-After, <c>/readyz</c> says not ready (without the database's
/// own words) so a load balancer stops sending writes, reads still answer; once space is freed,
/// <c>/readyz</c> is ready again by itself and writes commit; every write acknowledged before,
/// during and after is there, also after a restart.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output)
{
    /// <summary>Enough for a fresh database, its WAL and a few writes; small enough to fill in a moment.</summary>
    private const int DiskKibibytes = 8 * 1024;

    /// <summary>Writes tried on the full disk before one must have been refused (a WAL frame reused may still take one).</summary>
    private const int MaxWritesOnFullDisk = 20;

    [SmallDiskFact]
    public async Task Writes_on_a_full_disk_answer_503_storage_full_and_readyz_follows_the_disk_and_nothing_acknowledged_is_lost()
    {
        using var disk = SmallDisk.Mount(DiskKibibytes);
        var options = new ThreadlineServerOptions { DataDirectory = disk.Path };
        var server = await ThreadlineServer.StartAsync(options);
        try
        {
            using var http = server.CreateHttpClient();
            var thread = (string)(await http.PostOkAsync("threads", "{}"))["id"]!;
            var acknowledged = new List<string>();
            for (var i = 0; i < 3; i++)
                acknowledged.Add(await PostMessageOkAsync(http, thread, $"before {i}"));

            // :: The disk fills up; writes are refused with a clear answer.
            var filled = disk.Fill();
            output.WriteLine($"filled the disk with {filled / 1024} KiB; {disk.FreeBytes} bytes free");
            ApiResponse? refused = null;
            for (var i = 0; i < MaxWritesOnFullDisk && refused is null; i++)
            {
                var answer = await http.PostRawAsync($"threads/{thread}/messages", Message($"during {i}"));
                output.WriteLine($"POST message on the full disk: {answer.StatusCode} {answer.Describe()}");
                if (answer.StatusCode == 200)
                    acknowledged.Add((string)answer.Json["id"]!);
                else
                    refused = answer;
            }
            Assert.True(refused is not null, $"{MaxWritesOnFullDisk} writes on a full disk all succeeded");
            var error = refused.AssertError(503, type: "server_error");
            Assert.Equal("storage_full", (string?)error["code"]);
            output.WriteLine($"Retry-After: {refused.Header("Retry-After")}, retry-after-ms: {refused.Header("retry-after-ms")}");
            Assert.NotNull(refused.Header("Retry-After"));
            Assert.NotNull(refused.Header("retry-after-ms"));

            // :: Not ready while writes fail, and saying so in coarse words; reads still answer.
            var notReady = await http.GetRawAsync("/readyz");
            output.WriteLine($"/readyz on the full disk: {notReady.StatusCode} {notReady.Describe()}");
            Assert.Equal(503, notReady.StatusCode);
            Assert.Contains("storage_full", notReady.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("SQLite", notReady.Text, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(acknowledged, await MessageIdsAsync(http, thread));

            // :: Space comes back: ready again without any write from a client, and writes commit.
            disk.Free();
            output.WriteLine($"freed the filler; {disk.FreeBytes / 1024} KiB free");
            ApiResponse ready = null!;
            await Eventually.TrueAsync(async () => (ready = await http.GetRawAsync("/readyz")).StatusCode == 200,
                "/readyz 200 after the disk was freed", TimeSpan.FromSeconds(30));
            output.WriteLine($"/readyz after freeing: {ready.StatusCode} {ready.Describe()}");
            for (var i = 0; i < 3; i++)
                acknowledged.Add(await PostMessageOkAsync(http, thread, $"after {i}"));
            Assert.Equal(acknowledged, await MessageIdsAsync(http, thread));

            // :: And all of it is on the disk, not only in the server's memory.
            await server.StopAsync();
            await server.DisposeAsync();
            server = await ThreadlineServer.StartAsync(options);
            using var again = server.CreateHttpClient();
            Assert.Equal(acknowledged, await MessageIdsAsync(again, thread));
            output.WriteLine($"{acknowledged.Count} acknowledged messages, all there after a restart");
        }
        catch
        {
            output.WriteLine(server.FormatLog());
            throw;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static JsonObject Message(string text) => new() { ["role"] = "user", ["content"] = text };

    private static async Task<string> PostMessageOkAsync(HttpClient http, string thread, string text) =>
        (string)(await http.PostRawAsync($"threads/{thread}/messages", Message(text))).AssertOk()["id"]!;

    private static async Task<List<string>> MessageIdsAsync(HttpClient http, string thread) =>
        (await http.GetOkAsync($"threads/{thread}/messages?order=asc&limit=100")).Ids();
}
