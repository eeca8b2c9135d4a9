using System.Collections.Frozen;
using Microsoft.AspNetCore.StaticFiles;

namespace Threadline.Dashboard;

/// <summary>
/// The dashboard's pages, scripts and styles, embedded in the assembly (<c>Dashboard/wwwroot</c>, no
/// build step): read once, served from memory.
/// </summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> _files;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        _files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(n => n[Prefix.Length..], n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var type = types.TryGetContentType(n, out var t) ? t : "application/octet-stream";
                if (type.StartsWith("text/", StringComparison.Ordinal) || type.EndsWith("javascript", StringComparison.Ordinal))
                    type += "; charset=utf-8";
                return (copy.ToArray(), type);
            }, StringComparer.Ordinal);
    }

    public IResult Serve(string name) =>
        _files.TryGetValue(name, out var file) ? Results.Bytes(file.Bytes, file.ContentType) : Results.NotFound();

    /// <summary>A page's text, with <paramref name="marker"/> replaced (the sign-in form's message).</summary>
    public IResult Page(string name, string marker = "", string replacement = "", int status = StatusCodes.Status200OK)
    {
        var text = System.Text.Encoding.UTF8.GetString(_files[name].Bytes);
        if (marker.Length > 0)
            text = text.Replace(marker, replacement, StringComparison.Ordinal);
        return Results.Content(text, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
