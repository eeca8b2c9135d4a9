using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;
using Threadline.Domain;
using Threadline.Retrieval;

namespace Threadline.VectorStores;

/// <summary>Validates the vector store requests into settings, with the hosted limits and wording.</summary>
internal static class VectorStoreRequests
{
    public static VectorStoreSettings Create(VectorStoreRequest r)
    {
        if (r.FileIds is { Count: > 500 })
            throw ApiException.Invalid($"Invalid 'file_ids': array too long. Expected an array with maximum length 500, but got an array with length {r.FileIds.Count} instead.", "file_ids", "array_above_max_length");
        var chunking = Chunking(r.ChunkingStrategy, "chunking_strategy");
        return Common(r) with
        {
            Files = (r.FileIds ?? []).Select((id, i) => new FileToAdd(FileId(id, $"file_ids[{i}]"), chunking, RawJson.EmptyObject)).ToList(),
        };
    }

    public static VectorStoreSettings Modify(VectorStoreRequest r)
    {
        if (r.FileIds is not null || r.ChunkingStrategy is not null || r.Description is not null)
            throw ApiException.Invalid("Only 'name', 'expires_after' and 'metadata' can be modified.",
                r.FileIds is not null ? "file_ids" : r.ChunkingStrategy is not null ? "chunking_strategy" : "description", "unknown_parameter");
        return Common(r);
    }

    public static FileToAdd File(VectorStoreFileRequest r, string param = "")
    {
        var at = param.Length == 0 ? "" : param + ".";
        return new FileToAdd(FileId(r.FileId, at + "file_id"), Chunking(r.ChunkingStrategy, at + "chunking_strategy"), Attributes(r.Attributes, at + "attributes"));
    }

    public static IReadOnlyList<FileToAdd> Batch(FileBatchRequest r)
    {
        if ((r.FileIds is null) == (r.Files is null))
            throw ApiException.Invalid("Provide exactly one of 'file_ids' and 'files'.", r.FileIds is null ? "file_ids" : "files",
                r.FileIds is null ? "missing_required_parameter" : "invalid_value");
        var count = r.FileIds?.Count ?? r.Files!.Count;
        var param = r.FileIds is not null ? "file_ids" : "files";
        if (count is < 1 or > 2000)
            throw ApiException.Invalid($"Invalid '{param}': expected an array with 1 to 2000 items, but got {count}.", param, count < 1 ? "empty_array" : "array_above_max_length");
        if (r.Files is { } files)
        {
            if (r.ChunkingStrategy is not null || r.Attributes is not null)
                throw ApiException.Invalid("With 'files', give 'chunking_strategy' and 'attributes' per file.", r.ChunkingStrategy is not null ? "chunking_strategy" : "attributes");
            return files.Select((f, i) => File(Validate.Item(f, $"files[{i}]"), $"files[{i}]")).ToList();
        }
        var chunking = Chunking(r.ChunkingStrategy, "chunking_strategy");
        var attributes = Attributes(r.Attributes, "attributes");
        return r.FileIds!.Select((id, i) => new FileToAdd(FileId(id, $"file_ids[{i}]"), chunking, attributes)).ToList();
    }

    public static RawJson Attributes(JsonObject? attributes, string param)
    {
        if (attributes is null)
            return RawJson.EmptyObject;
        if (attributes.Count > 16)
            throw ApiException.Invalid($"Invalid '{param}': too many properties. Expected an object with at most 16 properties, but got an object with {attributes.Count} properties instead.", param, "object_above_max_properties");
        foreach (var (key, value) in attributes)
        {
            if (key.Length > 64)
                throw ApiException.Invalid($"Invalid '{param}': key is too long. Expected a key with maximum length 64, but got a key with length {key.Length} instead.", param, "string_above_max_length");
            var kind = value?.GetValueKind();
            if (kind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                throw ApiException.Invalid($"Invalid type for '{param}.{key}': expected a string, number or boolean.", $"{param}.{key}", "invalid_type");
            if (kind == JsonValueKind.String && value!.GetValue<string>().Length > 512)
                throw ApiException.Invalid($"Invalid '{param}.{key}': string too long. Expected a string with maximum length 512.", $"{param}.{key}", "string_above_max_length");
        }
        return RawJson.From(attributes);
    }

    public static ChunkingStrategy Chunking(ChunkingStrategyRequest? r, string param)
    {
        if (r is null)
            return ChunkingStrategy.Auto;
        Validate.OneOf(Validate.Required(r.Type, param + ".type"), param + ".type", "auto", "static");
        if (r.Type == "auto")
        {
            if (r.Static is not null)
                throw ApiException.Invalid($"'{param}.static' applies to the 'static' type only.", param + ".static", "unknown_parameter");
            return ChunkingStrategy.Auto;
        }
        var s = Validate.Required(r.Static, param + ".static");
        var max = s.MaxChunkSizeTokens ?? throw ApiException.Invalid($"Missing required parameter: '{param}.static.max_chunk_size_tokens'.", param + ".static.max_chunk_size_tokens", "missing_required_parameter");
        var overlap = s.ChunkOverlapTokens ?? throw ApiException.Invalid($"Missing required parameter: '{param}.static.chunk_overlap_tokens'.", param + ".static.chunk_overlap_tokens", "missing_required_parameter");
        if (max is < 100 or > 4096)
            throw ApiException.Invalid($"Invalid '{param}.static.max_chunk_size_tokens': integer out of range. Expected a value between 100 and 4096, but got {max} instead.", param + ".static.max_chunk_size_tokens", "integer_out_of_range");
        if (overlap < 0 || overlap > max / 2)
            throw ApiException.Invalid($"Invalid '{param}.static.chunk_overlap_tokens': must be from 0 to half of 'max_chunk_size_tokens' ({max / 2}), but got {overlap}.", param + ".static.chunk_overlap_tokens", "invalid_value");
        return new ChunkingStrategy(max, overlap);
    }

    private static VectorStoreSettings Common(VectorStoreRequest r)
    {
        Validate.MaxLength(r.Name, 256, "name");
        Validate.MaxLength(r.Description, 512, "description");
        Validate.Metadata(r.Metadata);
        int? days = null;
        if (r.ExpiresAfter is { } e)
        {
            Validate.OneOf(Validate.Required(e.Anchor, "expires_after.anchor"), "expires_after.anchor", "last_active_at");
            days = e.Days ?? throw ApiException.Invalid("Missing required parameter: 'expires_after.days'.", "expires_after.days", "missing_required_parameter");
            if (days is < 1 or > 365)
                throw ApiException.Invalid($"Invalid 'expires_after.days': integer out of range. Expected a value between 1 and 365, but got {days} instead.", "expires_after.days", "integer_out_of_range");
        }
        return new VectorStoreSettings
        {
            Name = r.Name, Description = r.Description, Metadata = r.Metadata is null ? null : RawJson.From(r.Metadata), ExpiresAfterDays = days,
        };
    }

    private static string FileId(string? id, string param) => Validate.NonEmpty(id, param);
}
