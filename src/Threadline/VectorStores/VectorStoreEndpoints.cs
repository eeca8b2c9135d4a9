using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Assistants;
using Threadline.Domain;
using Threadline.Auth;
using Threadline.Retrieval.Search;

namespace Threadline.VectorStores;

internal static class VectorStoreEndpoints
{
    private static readonly string[] FileStatuses = ["in_progress", "completed", "failed", "cancelled"];

    public static void MapVectorStores(this IEndpointRouteBuilder api)
    {
        api.MapPost("/vector_stores", async (HttpContext http, VectorStoreService stores, TimeProvider time) =>
        {
            var settings = VectorStoreRequests.Create(await RequestBody.ReadAsync<VectorStoreRequest>(http.Request));
            return Wire.Json(VectorStoreObject.From((await stores.CreateAsync(http.ProjectId(), settings, http.RequestAborted)).OrThrow(), time.UnixSeconds()));
        });

        api.MapGet("/vector_stores", async (HttpContext http, VectorStoreService stores, TimeProvider time) =>
        {
            var now = time.UnixSeconds();
            return Wire.List(await stores.ListAsync(http.ProjectId(), ListQuery.Read(http.Request), http.RequestAborted), v => VectorStoreObject.From(v, now), v => v.Id);
        });

        api.MapGet("/vector_stores/{storeId}", async (string storeId, HttpContext http, VectorStoreService stores, TimeProvider time) =>
            Wire.Json(VectorStoreObject.From((await stores.GetAsync(http.ProjectId(), storeId, http.RequestAborted)).OrThrow(), time.UnixSeconds())));

        api.MapPost("/vector_stores/{storeId}", async (string storeId, HttpContext http, VectorStoreService stores, TimeProvider time) =>
        {
            var settings = VectorStoreRequests.Modify(await RequestBody.ReadAsync<VectorStoreRequest>(http.Request));
            return Wire.Json(VectorStoreObject.From((await stores.UpdateAsync(http.ProjectId(), storeId, settings, http.RequestAborted)).OrThrow(), time.UnixSeconds()));
        });

        api.MapDelete("/vector_stores/{storeId}", async (string storeId, HttpContext http, VectorStoreService stores) =>
        {
            (await stores.DeleteAsync(http.ProjectId(), storeId, http.RequestAborted)).OrThrow();
            return Wire.Json(new DeletedObject(storeId, "vector_store.deleted", true));
        });

        api.MapPost("/vector_stores/{storeId}/search", async (string storeId, HttpContext http, ChunkSearch search) =>
        {
            var (query, phrasings) = Search(await RequestBody.ReadAsync<SearchRequest>(http.Request), http.ProjectId(), storeId);
            var hits = (await search.SearchAsync(query, http.RequestAborted)).OrThrow();
            return Wire.Json(new SearchResultsPage(phrasings, hits.Select(h =>
                new SearchResultObject(h.FileId, h.Filename, h.Score, h.Attributes, [new ContentTextObject(h.Text)])).ToList()));
        });

        MapFiles(api);
        MapBatches(api);
    }

    private static void MapFiles(IEndpointRouteBuilder api)
    {
        api.MapPost("/vector_stores/{storeId}/files", async (string storeId, HttpContext http, VectorStoreService stores) =>
        {
            var file = VectorStoreRequests.File(await RequestBody.ReadAsync<VectorStoreFileRequest>(http.Request));
            return Wire.Json(VectorStoreFileObject.From((await stores.AddFileAsync(http.ProjectId(), storeId, file, http.RequestAborted)).OrThrow()));
        });

        api.MapGet("/vector_stores/{storeId}/files", async (string storeId, HttpContext http, VectorStoreService stores) =>
            Wire.List((await stores.ListFilesAsync(http.ProjectId(), storeId, null, StatusFilter(http), ListQuery.Read(http.Request), http.RequestAborted)).OrThrow(),
                VectorStoreFileObject.From, f => f.FileId));

        api.MapGet("/vector_stores/{storeId}/files/{fileId}", async (string storeId, string fileId, HttpContext http, VectorStoreService stores) =>
            Wire.Json(VectorStoreFileObject.From((await stores.GetFileAsync(http.ProjectId(), storeId, fileId, http.RequestAborted)).OrThrow())));

        api.MapPost("/vector_stores/{storeId}/files/{fileId}", async (string storeId, string fileId, HttpContext http, VectorStoreService stores) =>
        {
            var request = await RequestBody.ReadAsync<AttributesRequest>(http.Request);
            var attributes = VectorStoreRequests.Attributes(Validate.Required(request.Attributes, "attributes"), "attributes");
            return Wire.Json(VectorStoreFileObject.From((await stores.SetAttributesAsync(http.ProjectId(), storeId, fileId, attributes, http.RequestAborted)).OrThrow()));
        });

        api.MapDelete("/vector_stores/{storeId}/files/{fileId}", async (string storeId, string fileId, HttpContext http, VectorStoreService stores) =>
        {
            (await stores.RemoveFileAsync(http.ProjectId(), storeId, fileId, http.RequestAborted)).OrThrow();
            return Wire.Json(new DeletedObject(fileId, "vector_store.file.deleted", true));
        });

        api.MapGet("/vector_stores/{storeId}/files/{fileId}/content", async (string storeId, string fileId, HttpContext http, VectorStoreService stores) =>
            Wire.Json(new FileContentPage((await stores.FileContentAsync(http.ProjectId(), storeId, fileId, http.RequestAborted)).OrThrow()
                .Select(t => new ContentTextObject(t)).ToList())));
    }

    private static void MapBatches(IEndpointRouteBuilder api)
    {
        api.MapPost("/vector_stores/{storeId}/file_batches", async (string storeId, HttpContext http, VectorStoreService stores) =>
        {
            var files = VectorStoreRequests.Batch(await RequestBody.ReadAsync<FileBatchRequest>(http.Request));
            return Wire.Json(FileBatchObject.From((await stores.CreateBatchAsync(http.ProjectId(), storeId, files, http.RequestAborted)).OrThrow()));
        });

        api.MapGet("/vector_stores/{storeId}/file_batches/{batchId}", async (string storeId, string batchId, HttpContext http, VectorStoreService stores) =>
            Wire.Json(FileBatchObject.From((await stores.GetBatchAsync(http.ProjectId(), storeId, batchId, http.RequestAborted)).OrThrow())));

        api.MapPost("/vector_stores/{storeId}/file_batches/{batchId}/cancel", async (string storeId, string batchId, HttpContext http, VectorStoreService stores) =>
        {
            await RequestBody.ReadAsync<NoFieldsRequest>(http.Request);
            return Wire.Json(FileBatchObject.From((await stores.CancelBatchAsync(http.ProjectId(), storeId, batchId, http.RequestAborted)).OrThrow()));
        });

        api.MapGet("/vector_stores/{storeId}/file_batches/{batchId}/files", async (string storeId, string batchId, HttpContext http, VectorStoreService stores) =>
            Wire.List((await stores.ListFilesAsync(http.ProjectId(), storeId, batchId, StatusFilter(http), ListQuery.Read(http.Request), http.RequestAborted)).OrThrow(),
                VectorStoreFileObject.From, f => f.FileId));
    }

    private static string? StatusFilter(HttpContext http)
    {
        var filter = http.Request.Query["filter"].ToString();
        if (filter.Length == 0)
            return null;
        Validate.OneOf(filter, "filter", FileStatuses);
        return filter;
    }

    /// <summary>The search as the domain sees it, and the phrasings echoed back as <c>search_query</c>.</summary>
    private static (SearchQuery Query, IReadOnlyList<string> Phrasings) Search(SearchRequest r, string projectId, string storeId)
    {
        IReadOnlyList<string> phrasings = Validate.Required(r.Query, "query") switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            JsonArray a when a.Count > 0 && a.All(q => q?.GetValueKind() == JsonValueKind.String) => a.Select(q => q!.GetValue<string>()).ToList(),
            _ => throw ApiException.Invalid("Invalid 'query': expected a string or a non-empty array of strings.", "query", "invalid_type"),
        };
        if (phrasings.Any(string.IsNullOrWhiteSpace))
            throw ApiException.Invalid("Invalid 'query': expected a non-empty string.", "query", "empty_string");
        var max = r.MaxNumResults ?? 10;
        if (max is < 1 or > 50)
            throw ApiException.Invalid($"Invalid 'max_num_results': integer out of range. Expected a value between 1 and 50, but got {max} instead.", "max_num_results", "integer_out_of_range");
        var threshold = RankingThreshold(r.RankingOptions, "ranking_options");
        var filter = r.Filters is null ? null : AttributeFilter.Parse(r.Filters, "filters");
        return (new SearchQuery(projectId, [storeId], phrasings, max, threshold, filter), phrasings);
    }

    /// <summary>
    /// <c>ranking_options</c>: every ranker name is taken and ranks the same (the hybrid fusion is the ranker);
    /// <c>score_threshold</c> from 0 to 1.
    /// </summary>
    public static double RankingThreshold(RankingOptionsRequest? r, string param)
    {
        if (r is null)
            return 0;
        if (r.Ranker is not null)
            Validate.OneOf(r.Ranker, param + ".ranker", "none", "auto", "default-2024-11-15");
        var threshold = r.ScoreThreshold ?? 0;
        if (threshold is < 0 or > 1 || double.IsNaN(threshold))
            throw ApiException.Invalid($"Invalid '{param}.score_threshold': expected a number between 0 and 1, but got {threshold}.", param + ".score_threshold", "decimal_out_of_range");
        return threshold;
    }
}
