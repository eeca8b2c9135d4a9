using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Assistants;
using OpenAI.Files;
using OpenAI.VectorStores;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Files;

/// <summary>
/// The official .NET SDK's <see cref="OpenAIFileClient"/>, <see cref="VectorStoreClient"/> and <see cref="AssistantClient"/>
/// (a <see cref="FileSearchToolDefinition"/> on a store) against the real server: upload, get, list, download and delete
/// a file; create, get, list, modify and delete a store; a file added and a batch, each waited on until completed;
/// search (a protocol method only in the SDK, so its JSON is read); and a run whose <c>search:</c> message makes echo
/// call file_search, its step showing the results and its reply citing the file.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class FileSdkTests(SharedServerFixture server)
{
    private static readonly TimeSpan IndexTimeout = TimeSpan.FromSeconds(30);

    private readonly OpenAIFileClient _files = new(new ApiKeyCredential("test-key"),
        new OpenAIClientOptions { Endpoint = server.ApiUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    private readonly VectorStoreClient _stores = new(new ApiKeyCredential("test-key"),
        new VectorStoreClientOptions { Endpoint = server.ApiUrl, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    private readonly AssistantClient _assistants = server.CreateAssistantClient();

    [Fact]
    public async Task A_file_is_uploaded_read_listed_downloaded_and_deleted()
    {
        var bytes = BinaryData.FromString("Otters hold hands while they sleep so that they do not drift apart.");

        OpenAIFile file = await _files.UploadFileAsync(bytes, "otters.txt", FileUploadPurpose.Assistants);
        Assert.StartsWith("file-", file.Id);
        Assert.Equal(("otters.txt", FilePurpose.Assistants, (long?)bytes.ToArray().Length), (file.Filename, file.Purpose, file.SizeInBytesLong));

        OpenAIFile got = await _files.GetFileAsync(file.Id);
        Assert.Equal((file.Id, file.Filename, file.SizeInBytesLong, file.CreatedAt), (got.Id, got.Filename, got.SizeInBytesLong, got.CreatedAt));

        OpenAIFileCollection assistantsFiles = await _files.GetFilesAsync(FilePurpose.Assistants);
        Assert.Contains(assistantsFiles, f => f.Id == file.Id);
        OpenAIFileCollection all = await _files.GetFilesAsync();
        Assert.Contains(all, f => f.Id == file.Id);

        BinaryData downloaded = await _files.DownloadFileAsync(file.Id);
        Assert.Equal(bytes.ToArray(), downloaded.ToArray());

        FileDeletionResult deleted = await _files.DeleteFileAsync(file.Id);
        Assert.True(deleted.Deleted);
        Assert.Equal(file.Id, deleted.FileId);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => _files.GetFileAsync(file.Id));
        Assert.Equal(404, gone.Status);
        Assert.DoesNotContain((await _files.GetFilesAsync()).Value, f => f.Id == file.Id);
    }

    [Fact]
    public async Task A_store_made_with_a_file_is_read_listed_modified_and_deleted()
    {
        var file = await UploadAsync("herons.txt", "Grey herons stand still in shallow water for a long time before they strike at a fish.");

        VectorStore made = await _stores.CreateVectorStoreAsync(new VectorStoreCreationOptions
        {
            Name = "birds",
            FileIds = { file.Id },
            Metadata = { ["topic"] = "birds" },
        });
        Assert.StartsWith("vs_", made.Id);
        Assert.Equal(("birds", "birds", 1), (made.Name, made.Metadata["topic"], made.FileCounts.Total));

        var ready = await UntilStoreIndexedAsync(made.Id);
        Assert.Equal((1, 0, 0), (ready.FileCounts.Completed, ready.FileCounts.InProgress, ready.FileCounts.Failed));
        Assert.Equal(VectorStoreStatus.Completed, ready.Status);
        Assert.True(ready.UsageBytes > 0, $"usage_bytes {ready.UsageBytes}");

        var listed = new List<string>();
        await foreach (var store in _stores.GetVectorStoresAsync())
            listed.Add(store.Id);
        Assert.Contains(made.Id, listed);

        VectorStore modified = await _stores.ModifyVectorStoreAsync(made.Id, new VectorStoreModificationOptions
        {
            Name = "waders",
            Metadata = { ["topic"] = "waders", ["extra"] = "yes" },
        });
        Assert.Equal(("waders", "waders", "yes"), (modified.Name, modified.Metadata["topic"], modified.Metadata["extra"]));
        VectorStore reread = await _stores.GetVectorStoreAsync(made.Id);
        Assert.Equal(("waders", "waders"), (reread.Name, reread.Metadata["topic"]));

        VectorStoreDeletionResult deleted = await _stores.DeleteVectorStoreAsync(made.Id);
        Assert.True(deleted.Deleted);
        Assert.Equal(made.Id, deleted.VectorStoreId);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => _stores.GetVectorStoreAsync(made.Id));
        Assert.Equal(404, gone.Status);
        // The file itself outlives the store.
        Assert.Equal(file.Id, (await _files.GetFileAsync(file.Id)).Value.Id);
    }

    [Fact]
    public async Task A_file_added_and_a_batch_are_indexed_listed_and_searched()
    {
        VectorStore store = await _stores.CreateVectorStoreAsync(new VectorStoreCreationOptions { Name = "animals" });
        var moles = await UploadAsync("moles.txt", "Star-nosed moles find worms with twenty-two pink tentacles around the nose. They hunt in wet soil.");
        var bats = await UploadAsync("bats.txt", "Fruit bats pollinate bananas and mangoes at night. They roost in large colonies.");
        var owls = await UploadAsync("owls.txt", "Barn owls hear a mouse moving under snow and fly without a sound.");

        VectorStoreFile added = await _stores.AddFileToVectorStoreAsync(store.Id, moles.Id);
        Assert.Equal((moles.Id, store.Id), (added.FileId, added.VectorStoreId));
        var indexed = await UntilAsync(() => _stores.GetVectorStoreFileAsync(store.Id, moles.Id), f => f.Status != VectorStoreFileStatus.InProgress, $"{moles.Id} indexed");
        Assert.Equal(VectorStoreFileStatus.Completed, indexed.Status);
        Assert.Null(indexed.LastError);

        VectorStoreFileBatch batch = await _stores.AddFileBatchToVectorStoreAsync(store.Id, [bats.Id, owls.Id]);
        Assert.StartsWith("vsfb_", batch.BatchId);
        Assert.Equal((store.Id, 2), (batch.VectorStoreId, batch.FileCounts.Total));
        var done = await UntilAsync(() => _stores.GetVectorStoreFileBatchAsync(store.Id, batch.BatchId),
            b => b.Status != VectorStoreFileBatchStatus.InProgress, $"batch {batch.BatchId} to finish");
        Assert.Equal(VectorStoreFileBatchStatus.Completed, done.Status);
        Assert.Equal((2, 2, 0, 0), (done.FileCounts.Total, done.FileCounts.Completed, done.FileCounts.InProgress, done.FileCounts.Failed));

        var inBatch = new List<VectorStoreFile>();
        await foreach (var f in _stores.GetVectorStoreFilesInBatchAsync(store.Id, batch.BatchId))
            inBatch.Add(f);
        Assert.Equal([bats.Id, owls.Id], inBatch.Select(f => f.FileId).Order());
        Assert.All(inBatch, f => Assert.Equal(VectorStoreFileStatus.Completed, f.Status));

        var completed = new List<string>();
        await foreach (var f in _stores.GetVectorStoreFilesAsync(store.Id, new VectorStoreFileCollectionOptions { Filter = VectorStoreFileStatusFilter.Completed }))
            completed.Add(f.FileId);
        Assert.Equal(new[] { moles.Id, bats.Id, owls.Id }.Order(), completed.Order());
        var stillIndexing = new List<string>();
        await foreach (var f in _stores.GetVectorStoreFilesAsync(store.Id, new VectorStoreFileCollectionOptions { Filter = VectorStoreFileStatusFilter.InProgress }))
            stillIndexing.Add(f.FileId);
        Assert.Empty(stillIndexing);

        VectorStoreFile tagged = await _stores.UpdateVectorStoreFileAttributesAsync(store.Id, owls.Id, new Dictionary<string, BinaryData> { ["kind"] = BinaryData.FromString("\"bird\"") });
        Assert.Equal("\"bird\"", tagged.Attributes["kind"].ToString());

        // Search: the SDK has only the protocol method.
        ClientResult searched = await _stores.SearchVectorStoreAsync(store.Id,
            BinaryContent.Create(BinaryData.FromString(new JsonObject { ["query"] = "which animal pollinates bananas at night?", ["max_num_results"] = 3 }.ToJsonString())));
        var page = JsonNode.Parse(searched.GetRawResponse().Content.ToString())!.AsObject();
        Assert.Equal("vector_store.search_results.page", (string?)page["object"]);
        var best = page["data"]!.AsArray()[0]!;
        Assert.Equal((bats.Id, "bats.txt"), ((string?)best["file_id"], (string?)best["filename"]));
        Assert.True((double)best["score"]! > 0, best.ToJsonString());
        Assert.Contains("pollinate bananas", (string?)best["content"]![0]!["text"]);

        await _stores.DeleteVectorStoreAsync(store.Id);
    }

    [Fact]
    public async Task A_run_with_file_search_records_the_results_and_cites_the_file()
    {
        var file = await UploadAsync("lighthouse.txt",
            "The Skerryvore lighthouse was finished in 1844. Its keepers climbed 151 steps to trim the lamp every evening.");
        var decoy = await UploadAsync("bakery.txt", "Sourdough bread rises slowly because wild yeast works at a gentle pace.");
        VectorStore store = await _stores.CreateVectorStoreAsync(new VectorStoreCreationOptions { FileIds = { file.Id, decoy.Id } });
        await UntilStoreIndexedAsync(store.Id);

        Assistant assistant = await _assistants.CreateAssistantAsync("echo", new AssistantCreationOptions
        {
            Tools = { new FileSearchToolDefinition() },
            ToolResources = new ToolResources { FileSearch = new FileSearchToolResources { VectorStoreIds = { store.Id } } },
        });
        Assert.Contains(assistant.Tools, t => t is FileSearchToolDefinition);
        Assert.Equal([store.Id], assistant.ToolResources.FileSearch.VectorStoreIds);

        ThreadRun run = await _assistants.CreateThreadAndRunAsync(assistant.Id,
            new ThreadCreationOptions { InitialMessages = { "search: how many steps did the lighthouse keepers climb?" } });
        run = await RunWaiter.UntilCompletedAsync(_assistants, run.ThreadId, run.Id, TimeSpan.FromSeconds(30));

        var steps = new List<RunStep>();
        await foreach (var step in _assistants.GetRunStepsAsync(run.ThreadId, run.Id, new RunStepCollectionOptions { Order = RunStepCollectionOrder.Ascending }))
            steps.Add(step);
        var toolStep = Assert.Single(steps, s => s.Kind == RunStepKind.ToolCall);
        Assert.Equal(RunStepStatus.Completed, toolStep.Status);
        var call = Assert.Single(toolStep.Details.ToolCalls);
        Assert.Equal(RunStepToolCallKind.FileSearch, call.Kind);
        Assert.NotEmpty(call.FileSearchResults);
        var top = call.FileSearchResults[0];
        Assert.Equal((file.Id, "lighthouse.txt"), (top.FileId, top.FileName));
        Assert.True(top.Score > 0, $"score {top.Score}");
        Assert.Contains("151 steps", Assert.Single(top.Content).Text);
        Assert.Contains(steps, s => s.Kind == RunStepKind.CreatedMessage && s.Status == RunStepStatus.Completed);

        ThreadMessage reply = null!;
        await foreach (var m in _assistants.GetMessagesAsync(run.ThreadId, new MessageCollectionOptions { Order = MessageCollectionOrder.Descending }))
        {
            reply = m;
            break;
        }
        Assert.Equal(MessageRole.Assistant, reply.Role);
        var content = Assert.Single(reply.Content);
        const string marker = "【0†lighthouse.txt】";
        Assert.EndsWith(" " + marker, content.Text);
        Assert.Contains("151 steps", content.Text);
        var annotation = Assert.Single(content.TextAnnotations);
        Assert.Equal(file.Id, annotation.InputFileId);
        Assert.Equal(marker, annotation.TextToReplace);
        Assert.Equal(marker, content.Text[annotation.StartIndex..annotation.EndIndex]);

        await _assistants.DeleteAssistantAsync(assistant.Id);
        await _stores.DeleteVectorStoreAsync(store.Id);
    }

    private async Task<OpenAIFile> UploadAsync(string name, string text) =>
        await _files.UploadFileAsync(BinaryData.FromString(text), name, FileUploadPurpose.Assistants);

    private Task<VectorStore> UntilStoreIndexedAsync(string storeId) =>
        UntilAsync(() => _stores.GetVectorStoreAsync(storeId), s => s.FileCounts.InProgress == 0, $"store {storeId} to index its files");

    private static async Task<T> UntilAsync<T>(Func<Task<ClientResult<T>>> read, Func<T, bool> done, string what)
    {
        T last = default!;
        await Polling.UntilAsync(async () =>
        {
            last = (await read()).Value;
            return done(last);
        }, IndexTimeout, what);
        return last;
    }
}
