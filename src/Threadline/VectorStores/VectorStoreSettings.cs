using Threadline.Domain;
using Threadline.Retrieval;

namespace Threadline.VectorStores;

/// <summary>A create or modify of a vector store, validated; null leaves a field as it is.</summary>
internal sealed record VectorStoreSettings
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public RawJson? Metadata { get; init; }
    /// <summary>Set: the store expires this many days after its last activity; <see cref="ClearExpiry"/>: never.</summary>
    public int? ExpiresAfterDays { get; init; }
    public bool ClearExpiry { get; init; }
    public IReadOnlyList<FileToAdd> Files { get; init; } = [];
}

/// <summary>A file to add to a store, with how to chunk it and the attributes filters see.</summary>
internal sealed record FileToAdd(string FileId, ChunkingStrategy Chunking, RawJson Attributes);
