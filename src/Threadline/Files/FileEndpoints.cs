using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Threadline.Api;
using Threadline.Auth;

namespace Threadline.Files;

internal static class FileEndpoints
{
    private static readonly string[] Purposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

    public static void MapFiles(this IEndpointRouteBuilder api)
    {
        api.MapPost("/files", async (HttpContext http, FileService files, FilesOptions options) =>
            Wire.Json(FileObject.From(await UploadAsync(http, files, options))));

        api.MapGet("/files", async (HttpContext http, FileService files) =>
        {
            var purpose = http.Request.Query["purpose"].ToString();
            var page = ListQuery.Read(http.Request, maxLimit: 10_000, defaultLimit: 10_000);
            return Wire.List(await files.ListAsync(http.ProjectId(), purpose.Length == 0 ? null : purpose, page, http.RequestAborted), FileObject.From, f => f.Id);
        });

        api.MapGet("/files/{fileId}", async (string fileId, HttpContext http, FileService files) =>
            Wire.Json(FileObject.From((await files.GetAsync(http.ProjectId(), fileId, http.RequestAborted)).OrThrow())));

        api.MapDelete("/files/{fileId}", async (string fileId, HttpContext http, FileService files) =>
        {
            (await files.DeleteAsync(http.ProjectId(), fileId, http.RequestAborted)).OrThrow();
            return Wire.Json(new FileDeletedObject(fileId, true));
        });

        api.MapGet("/files/{fileId}/content", async (string fileId, HttpContext http, FileService files) =>
        {
            var (file, bytes) = (await files.OpenAsync(http.ProjectId(), fileId, http.RequestAborted)).OrThrow();
            return Results.Stream(bytes, "application/octet-stream", file.Filename);
        });
    }

    /// <summary>
    /// An upload may be far larger than any other body: the server-wide limit is lifted for it before
    /// anything reads the body, and <see cref="FilesOptions.MaxBytes"/> applies to the file instead.
    /// </summary>
    public static void LiftBodyLimit(HttpContext http)
    {
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals("/v1/files", StringComparison.Ordinal)
            && http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;
    }

    /// <summary>Reads the multipart form as it arrives: the file's bytes go straight to storage, never whole into memory.</summary>
    private static async Task<StoredFile> UploadAsync(HttpContext http, FileService files, FilesOptions options)
    {
        var boundary = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
            throw ApiException.Invalid("Expected a multipart/form-data body with 'file' and 'purpose'.", "file");
        var reader = new MultipartReader(boundary, http.Request.Body);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        (string Id, long Bytes, string Name)? upload = null;
        try
        {
            while (await reader.ReadNextSectionAsync(http.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value is not { } name)
                    continue;
                name = HeaderUtilities.RemoveQuotes(name).Value ?? name;
                if (name == "file")
                {
                    if (upload is not null)
                        throw ApiException.Invalid("Only one 'file' may be uploaded per request.", "file");
                    var filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var (id, bytes) = await WriteAsync(files, section.Body, options, http.RequestAborted);
                    upload = (id, bytes, string.IsNullOrEmpty(filename) ? "file" : Path.GetFileName(filename));
                }
                else
                {
                    using var text = new StreamReader(section.Body);
                    fields[name] = await text.ReadToEndAsync(http.RequestAborted);
                }
            }
            var purpose = fields.GetValueOrDefault("purpose");
            Validate.OneOf(Validate.Required(purpose, "purpose"), "purpose", Purposes);
            var expiresAfter = ExpiresAfter(fields);
            if (upload is not { } u)
                throw ApiException.Invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter");
            upload = null; // recorded from here on: the service removes the bytes itself if the write fails
            return await files.CreateAsync(http.ProjectId(), u.Id, u.Bytes, u.Name, purpose!, expiresAfter, http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && !http.RequestAborted.IsCancellationRequested))
        {
            // The multipart reader's words for a body that is not a well-formed form (cut short, a header too long).
            throw ApiException.Invalid("The multipart/form-data body is not well formed: it ends before its closing boundary, or a part header is too long.", "file");
        }
        finally
        {
            if (upload is { } refused)
                await files.DiscardContentAsync(refused.Id);
        }
    }

    private static async Task<(string Id, long Bytes)> WriteAsync(FileService files, Stream body, FilesOptions options, CancellationToken ct)
    {
        try
        {
            return await files.WriteContentAsync(body, ct);
        }
        catch (FileTooLargeException)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge,
                $"The file is too large: the maximum size is {options.MaxBytes} bytes.", "invalid_request_error", "file", "file_too_large");
        }
    }

    /// <summary><c>expires_after[anchor]</c> and <c>expires_after[seconds]</c>, as the SDKs send a nested form field.</summary>
    private static long? ExpiresAfter(Dictionary<string, string> fields)
    {
        var anchor = fields.GetValueOrDefault("expires_after[anchor]");
        var seconds = fields.GetValueOrDefault("expires_after[seconds]");
        if (anchor is null && seconds is null)
            return null;
        Validate.OneOf(Validate.Required(anchor, "expires_after.anchor"), "expires_after.anchor", "created_at");
        if (!long.TryParse(Validate.Required(seconds, "expires_after.seconds"), out var s) || s is < 3600 or > 2_592_000)
            throw ApiException.Invalid($"Invalid 'expires_after.seconds': expected an integer between 3600 and 2592000, but got '{seconds}'.", "expires_after.seconds", "integer_out_of_range");
        return s;
    }
}
