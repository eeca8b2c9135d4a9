using System.Text;
using System.Text.Json.Nodes;
using Threadline.Tests.Auth;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Files;

/// <summary>
/// Two keys, two projects, over HTTP: project B sees none of project A's files or vector stores. Each of A's ids
/// answers B with 404 (the same as an id that does not exist), A's file cannot be put into B's stores, and B's list
/// of files does not show it.
/// </summary>
public sealed class FileProjectIsolationTests(TwoProjectServer fixture) : IClassFixture<TwoProjectServer>
{
    [Fact]
    public async Task Project_B_gets_404_for_project_A_files_stores_and_search()
    {
        using var a = fixture.Server.CreateHttpClient(TwoProjectServer.KeyA);
        using var b = fixture.Server.CreateHttpClient(TwoProjectServer.KeyB);
        var bytes = Encoding.UTF8.GetBytes("Project A's secret: the vault opens with the word marmalade.");
        var fileId = (string)(await IndexingCrashTests.UploadAsync(a, "secret.txt", bytes))["id"]!;
        var storeId = (string)(await a.PostOkAsync("vector_stores", new JsonObject { ["file_ids"] = new JsonArray(fileId) }.ToJsonString()))["id"]!;
        await Polling.UntilAsync(async () => (string?)(await a.GetOkAsync($"vector_stores/{storeId}/files/{fileId}"))["status"] == "completed",
            TimeSpan.FromSeconds(30), "A's file indexed");
        // A itself sees everything, so the 404s below are B's alone.
        Assert.Equal(fileId, (string?)(await a.GetOkAsync($"files/{fileId}"))["id"]);
        Assert.Equal(bytes, Encoding.UTF8.GetBytes((await a.GetRawAsync($"files/{fileId}/content")).Text));
        Assert.NotEmpty((await a.PostOkAsync($"vector_stores/{storeId}/search", """{"query":"vault word"}"""))["data"]!.AsArray());

        (await b.GetRawAsync($"files/{fileId}")).AssertError(404);
        (await b.GetRawAsync($"files/{fileId}/content")).AssertError(404);
        (await b.DeleteRawAsync($"files/{fileId}")).AssertError(404);
        (await b.GetRawAsync($"vector_stores/{storeId}")).AssertError(404);
        (await b.PostRawAsync($"vector_stores/{storeId}", """{"name":"taken"}""")).AssertError(404);
        (await b.DeleteRawAsync($"vector_stores/{storeId}")).AssertError(404);
        (await b.PostRawAsync($"vector_stores/{storeId}/search", """{"query":"vault word"}""")).AssertError(404);
        (await b.GetRawAsync($"vector_stores/{storeId}/files")).AssertError(404);
        (await b.GetRawAsync($"vector_stores/{storeId}/files/{fileId}")).AssertError(404);
        (await b.GetRawAsync($"vector_stores/{storeId}/files/{fileId}/content")).AssertError(404);

        // A's file in B's store: at creation, added singly, in a batch.
        (await b.PostRawAsync("vector_stores", new JsonObject { ["file_ids"] = new JsonArray(fileId) })).AssertError(404);
        var bStore = (string)(await b.PostOkAsync("vector_stores", "{}"))["id"]!;
        (await b.PostRawAsync($"vector_stores/{bStore}/files", new JsonObject { ["file_id"] = fileId })).AssertError(404);
        (await b.PostRawAsync($"vector_stores/{bStore}/file_batches", new JsonObject { ["file_ids"] = new JsonArray(fileId) })).AssertError(404);

        Assert.DoesNotContain(fileId, (await b.GetOkAsync("files")).Ids());
        Assert.DoesNotContain(storeId, (await b.GetOkAsync("vector_stores")).Ids());
        Assert.Contains(fileId, (await a.GetOkAsync("files")).Ids());
        // Nothing B tried changed A's objects.
        Assert.Equal(1, (int)(await a.GetOkAsync($"vector_stores/{storeId}"))["file_counts"]!["completed"]!);
    }
}
