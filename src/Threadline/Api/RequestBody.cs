using System.Text.Json;
using System.Text.RegularExpressions;

namespace Threadline.Api;

/// <summary>
/// Reads a request body into its wire type. Every way a body can be wrong (not JSON, an
/// unknown field, a wrong type) becomes a 400 whose <c>param</c> names the field.
/// </summary>
internal static partial class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class, new()
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return Parse<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public static T Parse<T>(ReadOnlySpan<byte> body) where T : class, new()
    {
        if (body.IsEmpty || body.Trim(" \t\r\n"u8).IsEmpty)
            return new T();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            throw NotJson();
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid("The request body must be a JSON object.", null, "invalid_type");
            try
            {
                return document.RootElement.Deserialize<T>(WireJson.Options) ?? new T();
            }
            catch (JsonException e)
            {
                throw Translate(e);
            }
        }
    }

    private static ApiException Translate(JsonException e)
    {
        var param = ParamFromPath(e.Path);
        var unknown = UnknownMember().Match(e.Message);
        if (unknown.Success)
        {
            var field = param ?? unknown.Groups[1].Value;
            return ApiException.Invalid($"Unrecognized request argument supplied: {field}", field, "unknown_parameter");
        }
        var expected = ExpectedType().Match(e.Message);
        if (param is not null && expected.Success)
            return ApiException.Invalid($"Invalid type for '{param}': expected {Describe(expected.Groups[1].Value)}.",
                param, "invalid_type");
        if (param is not null)
            return ApiException.Invalid($"Invalid value for '{param}'.", param, "invalid_value");
        return ApiException.Invalid("The request body could not be read: " + e.Message, null, "invalid_value");
    }

    private static ApiException NotJson() => ApiException.Invalid(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
        "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");

    /// <summary><c>$.thread.messages[0].role</c> becomes <c>thread.messages[0].role</c>.</summary>
    private static string? ParamFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return null;
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return p.Length == 0 ? null : p;
    }

    private static string Describe(string clrType) => Unwrap(clrType) switch
    {
        "System.String" => "a string",
        "System.Boolean" => "a boolean",
        "System.Int32" or "System.Int64" => "an integer",
        "System.Double" or "System.Decimal" => "a number",
        _ when clrType.Contains("Dictionary", StringComparison.Ordinal) => "an object",
        _ when clrType.Contains("List", StringComparison.Ordinal) || clrType.EndsWith("[]", StringComparison.Ordinal) => "an array",
        _ when clrType.Contains("JsonObject", StringComparison.Ordinal) => "an object",
        _ when clrType.Contains("JsonArray", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };

    /// <summary><c>System.Nullable`1[System.Double]</c> is a number too.</summary>
    private static string Unwrap(string clrType)
    {
        const string Nullable = "System.Nullable`1[";
        return clrType.StartsWith(Nullable, StringComparison.Ordinal) ? clrType[Nullable.Length..].TrimEnd(']') : clrType;
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"could not be converted to ([\w\.`\[\]\d, ]+?)(\. |\.$|$)")]
    private static partial Regex ExpectedType();
}
