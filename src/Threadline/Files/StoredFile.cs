namespace Threadline.Files;

/// <summary>An uploaded file: its row; the bytes live in <see cref="IFileContent"/>.</summary>
internal sealed record StoredFile
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public long? ExpiresAt { get; init; }
    public required string Filename { get; init; }
    public required string Purpose { get; init; }
    public required long Bytes { get; init; }
}
