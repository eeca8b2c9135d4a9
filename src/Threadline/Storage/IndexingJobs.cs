using System.Data.Common;
using Threadline.Storage.Drivers;

namespace Threadline.Storage;

/// <summary>A claimed store file with what indexing it needs: the store's model and the file's name (empty: no such file in the project).</summary>
internal static class IndexingJobs
{
    public const string Select = $"""
        SELECT {Rows.VectorStoreFileColumns}, x.attempts, coalesce(v.embedding_model, ''), coalesce(fl.filename, '')
        FROM vector_store_files x
        LEFT JOIN vector_stores v ON v.id = x.vector_store_id
        LEFT JOIN files fl ON fl.id = x.file_id AND fl.project_id = x.project_id
        """;

    public static IndexingJob Map(DbDataReader r, string owner) =>
        new(Rows.VectorStoreFile(r), r.GetString(13), r.GetString(14), owner, (int)r.GetInt64(12));
}
