using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;

namespace Threadline.Tests.Files;

/// <summary>
/// A server is SIGKILLed while it indexes a batch of files (some done, some still <c>in_progress</c>, one held under
/// its lease). Restarted on the same data directory (SQLite here; the same test in ./test.sh's PostgreSQL pass), it
/// takes the held file up once its lease lapses and indexes the rest: the batch ends completed with every file, each
/// file's chunks are there, a file indexed only after the restart is found by search, and the bytes are as uploaded.
/// </summary>
public sealed class IndexingCrashTests
{
    private const int Files = 10;
    private const int WordsPerFile = 1500;

    [Fact]
    public async Task After_a_kill_mid_batch_the_restarted_server_indexes_every_file_and_keeps_their_bytes()
    {
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        var options = new ThreadlineServerOptions
        {
            DataDirectory = dataDirectory,
            Arguments = new Dictionary<string, string> { ["Threadline:Files:IndexLease"] = "00:00:03" },
        };
        try
        {
            var uploaded = new List<(string Id, string Name, byte[] Bytes, string Phrase)>();
            string storeId, batchId;
            JsonObject atKill;
            List<string> notDoneAtKill;
            var crashed = await ThreadlineServer.StartAsync(options);
            try
            {
                using var http = QueueApi.NewClient(crashed);
                for (var i = 0; i < Files; i++)
                {
                    var (text, phrase) = Document(i);
                    var bytes = Encoding.UTF8.GetBytes(text);
                    var name = $"doc{i:00}.txt";
                    uploaded.Add(((string)(await UploadAsync(http, name, bytes))["id"]!, name, bytes, phrase));
                }
                storeId = QueueApi.Id(await QueueApi.PostOkAsync(http, "vector_stores", new JsonObject { ["name"] = "crash" }));
                var batch = await QueueApi.PostOkAsync(http, $"vector_stores/{storeId}/file_batches",
                    new JsonObject { ["file_ids"] = new JsonArray(uploaded.Select(u => (JsonNode)u.Id).ToArray()) });
                batchId = QueueApi.Id(batch);

                atKill = batch;
                await Polling.UntilAsync(async () =>
                {
                    atKill = await QueueApi.GetOkAsync(http, $"vector_stores/{storeId}/file_batches/{batchId}");
                    return Count(atKill, "completed") >= 1 && Count(atKill, "in_progress") >= 2;
                }, TimeSpan.FromSeconds(60), "one file indexed and others still in progress");
                crashed.Kill();
                // Mid-indexing: some files done, some not, nothing failed.
                Assert.True(Count(atKill, "completed") > 0 && Count(atKill, "in_progress") > 0 && Count(atKill, "failed") == 0, atKill.ToJsonString());
            }
            finally
            {
                await crashed.DisposeAsync();
            }

            await using var restarted = await ThreadlineServer.StartAsync(options);
            using var api = QueueApi.NewClient(restarted);
            // Read on the restarted server (the killed one cannot answer): those not completed then are in progress now.
            notDoneAtKill = (await QueueApi.ListAllAsync(api, $"vector_stores/{storeId}/file_batches/{batchId}/files?filter=in_progress"))
                .Select(f => (string)f["id"]!).ToList();
            Assert.NotEmpty(notDoneAtKill);

            JsonObject ended = null!;
            await Polling.UntilAsync(async () =>
            {
                ended = await QueueApi.GetOkAsync(api, $"vector_stores/{storeId}/file_batches/{batchId}");
                return (string?)ended["status"] != "in_progress";
            }, TimeSpan.FromSeconds(90), "the batch to finish after the restart");
            Assert.True((string?)ended["status"] == "completed" && Count(ended, "completed") == Files && Count(ended, "failed") == 0
                && Count(ended, "in_progress") == 0 && Count(ended, "total") == Files, ended.ToJsonString() + "\n" + restarted.FormatLog());
            // The file held at the kill was taken up again once its lease lapsed: its second attempt.
            Assert.Contains(restarted.LogLines, l => l.Contains("Indexed file", StringComparison.Ordinal) && l.Contains("(attempt 2)", StringComparison.Ordinal));

            var store = await QueueApi.GetOkAsync(api, $"vector_stores/{storeId}");
            Assert.Equal(Files, (int)store["file_counts"]!["completed"]!);
            foreach (var (id, name, bytes, phrase) in uploaded)
            {
                var file = await QueueApi.GetOkAsync(api, $"vector_stores/{storeId}/files/{id}");
                Assert.Equal("completed", (string?)file["status"]);
                var chunks = (await QueueApi.GetOkAsync(api, $"vector_stores/{storeId}/files/{id}/content"))["data"]!.AsArray()
                    .Select(c => (string)c!["text"]!).ToList();
                Assert.True(chunks.Count >= 2 && chunks.All(c => c.Length > 0), $"{name}: {chunks.Count} chunks");
                Assert.Contains(phrase, string.Join(" ", chunks));

                using var content = await api.GetAsync($"files/{id}/content");
                Assert.Equal(System.Net.HttpStatusCode.OK, content.StatusCode);
                Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync());
            }

            // A file indexed only after the restart is found by its own phrase.
            var late = uploaded.First(u => u.Id == notDoneAtKill[^1]);
            var hits = (await QueueApi.PostOkAsync(api, $"vector_stores/{storeId}/search", new JsonObject { ["query"] = late.Phrase, ["max_num_results"] = 3 }))["data"]!.AsArray();
            Assert.True(hits.Count > 0 && (string?)hits[0]!["file_id"] == late.Id, $"{late.Name} ({late.Id}): {hits.ToJsonString()}");
            Assert.Contains(late.Phrase, (string?)hits[0]!["content"]![0]!["text"]);
        }
        finally
        {
            TestStorage.Drop(dataDirectory);
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static int Count(JsonObject batch, string name) => (int)batch["file_counts"]![name]!;

    /// <summary>Document <paramref name="index"/>: ordinary words drawn from a seeded generator, opened by a phrase only it has.</summary>
    internal static (string Text, string Phrase) Document(int index)
    {
        string[] vocabulary =
        [
            "river", "stone", "harbor", "window", "garden", "engine", "letter", "market", "winter", "signal", "copper", "meadow",
            "lantern", "bridge", "orchard", "ladder", "compass", "valley", "thunder", "pocket", "candle", "ribbon", "forest", "kettle",
            "the", "a", "of", "and", "under", "over", "near", "quietly", "slowly", "bright", "old", "small", "green", "heavy",
        ];
        var tag = new string([(char)('a' + index % 26), (char)('a' + index * 7 % 26), (char)('a' + index * 11 % 26)]);
        var phrase = $"the zorvex{tag} quillmarrow {tag}thrumble";
        var random = new Random(1000 + index);
        var text = new StringBuilder(phrase).Append(". ");
        for (var w = 0; w < WordsPerFile; w++)
        {
            text.Append(vocabulary[random.Next(vocabulary.Length)]);
            text.Append(w % 12 == 11 ? ". " : " ");
        }
        return (text.ToString(), phrase);
    }

    internal static async Task<JsonObject> UploadAsync(HttpClient http, string name, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("assistants"), "purpose");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", name);
        using var response = await http.PostAsync("files", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload {name}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
