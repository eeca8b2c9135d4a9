using System.Data.Common;
using Threadline.Domain;
using Threadline.Files;
using Threadline.Retrieval;
using Threadline.Storage.Drivers;
using Threadline.VectorStores;

namespace Threadline.Storage;

internal static partial class Rows
{
    public const string FileColumns = "x.id, x.project_id, x.created_at, x.expires_at, x.filename, x.purpose, x.bytes";

    public static StoredFile File(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        CreatedAt = r.GetInt64(2),
        ExpiresAt = r.Long(3),
        Filename = r.GetString(4),
        Purpose = r.GetString(5),
        Bytes = r.GetInt64(6),
    };

    /// <summary>Counts of the files of alias <c>x</c>'s store (or batch, by <paramref name="key"/>), then their bytes.</summary>
    private static string FileCountColumns(string key) =>
        string.Join(", ", new[] { "in_progress", "completed", "failed", "cancelled" }.Select(status =>
            $"(SELECT count(*) FROM vector_store_files f WHERE f.{key} = x.id AND f.status = '{status}')"));

    public static readonly string VectorStoreColumns =
        "x.id, x.project_id, x.created_at, x.name, x.description, x.metadata, x.expires_after_days, x.expires_at, x.last_active_at, " +
        "x.embedding_model, " + FileCountColumns("vector_store_id") +
        ", (SELECT coalesce(sum(f.usage_bytes), 0) FROM vector_store_files f WHERE f.vector_store_id = x.id)";

    public static VectorStore VectorStore(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        ProjectId = r.GetString(1),
        CreatedAt = r.GetInt64(2),
        Name = r.GetString(3),
        Description = r.Str(4),
        Metadata = r.Json(5),
        ExpiresAfterDays = r.Long(6) is { } days ? (int)days : null,
        ExpiresAt = r.Long(7),
        LastActiveAt = r.GetInt64(8),
        EmbeddingModel = r.GetString(9),
        Counts = Counts(r, 10),
        UsageBytes = r.GetInt64(14),
    };

    public const string VectorStoreFileColumns =
        "x.vector_store_id, x.file_id, x.project_id, x.created_at, x.status, x.last_error_code, x.last_error_message, x.usage_bytes, " +
        "x.max_chunk_tokens, x.chunk_overlap_tokens, x.attributes, x.batch_id";

    public static VectorStoreFile VectorStoreFile(DbDataReader r) => new()
    {
        VectorStoreId = r.GetString(0),
        FileId = r.GetString(1),
        ProjectId = r.GetString(2),
        CreatedAt = r.GetInt64(3),
        Status = r.GetString(4),
        LastErrorCode = r.Str(5),
        LastErrorMessage = r.Str(6),
        UsageBytes = r.GetInt64(7),
        Chunking = new ChunkingStrategy((int)r.GetInt64(8), (int)r.GetInt64(9)),
        Attributes = r.Json(10),
        BatchId = r.Str(11),
    };

    public static readonly string FileBatchColumns =
        "x.id, x.vector_store_id, x.project_id, x.created_at, x.cancelled, " + FileCountColumns("batch_id");

    public static FileBatch FileBatch(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        VectorStoreId = r.GetString(1),
        ProjectId = r.GetString(2),
        CreatedAt = r.GetInt64(3),
        Cancelled = Convert.ToBoolean(r.GetValue(4), System.Globalization.CultureInfo.InvariantCulture),
        Counts = Counts(r, 5),
    };

    public const string ChunkTextColumns =
        "c.id, c.vector_store_id, c.file_id, coalesce(fl.filename, ''), c.text, coalesce(vf.attributes, '{}')";

    public static ChunkText ChunkText(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.Json(5));

    private static FileCounts Counts(DbDataReader r, int first) =>
        new((int)r.GetInt64(first), (int)r.GetInt64(first + 1), (int)r.GetInt64(first + 2), (int)r.GetInt64(first + 3));
}
