using System.Text.Json.Serialization;

namespace Threadline.Files;

/// <summary>The <c>file</c> object; <c>status</c> is always <c>processed</c> (deprecated, but the SDKs read it).</summary>
internal sealed record FileObject(string Id, long Bytes, long CreatedAt, long? ExpiresAt, string Filename, string Purpose)
{
    [JsonPropertyOrder(-1)] public string Object => "file";
    public string Status => "processed";
    public string? StatusDetails => null;

    public static FileObject From(StoredFile f) => new(f.Id, f.Bytes, f.CreatedAt, f.ExpiresAt, f.Filename, f.Purpose);
}

/// <summary>The hosted answer to a delete: <c>object</c> is <c>file</c>, not <c>file.deleted</c>.</summary>
internal sealed record FileDeletedObject(string Id, bool Deleted)
{
    public string Object => "file";
}
