using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
        // Small bodies (most of them) are read without a copy into a buffer of our own.
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(request.HttpContext.RequestAborted);
            if (read.IsCompleted)
            {
                try
                {
                    return Parse<T>(read.Buffer.IsSingleSegment ? read.Buffer.FirstSpan : read.Buffer.ToArray());
                }
                finally
                {
                    reader.AdvanceTo(read.Buffer.End);
                }
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    public static T Parse<T>(ReadOnlySpan<byte> body) where T : class, new()
    {
        if (body.IsEmpty || body.Trim(" \t\r\n"u8).IsEmpty)
            return new T();
        // A first pass tells JSON that is not JSON, or not acceptable JSON, from JSON of the wrong shape.
        BodyScan.Check(body);
        try
        {
            return JsonSerializer.Deserialize(body, WireJson.Info<T>()) ?? new T();
        }
        catch (JsonException e)
        {
            throw Translate(e, WireJson.Info<T>());
        }
    }

    private static ApiException Translate(JsonException e, JsonTypeInfo root)
    {
        var param = ParamFromPath(e.Path);
        var unknown = UnknownMember().Match(e.Message);
        if (unknown.Success)
        {
            var field = param ?? unknown.Groups[1].Value;
            return ApiException.Invalid($"Unrecognized request argument supplied: {field}", field, "unknown_parameter");
        }
        if (param is not null && ExpectedType().IsMatch(e.Message) && TypeAt(root, param) is { } type)
            return ApiException.Invalid($"Invalid type for '{param}': expected {Describe(type)}.", param, "invalid_type");
        if (param is not null)
            return ApiException.Invalid($"Invalid value for '{param}'.", param, "invalid_value");
        return ApiException.Invalid("The request body could not be read: " + e.Message, null, "invalid_value");
    }

    /// <summary><c>$.thread.messages[0].role</c> becomes <c>thread.messages[0].role</c>.</summary>
    private static string? ParamFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return null;
        var p = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return p.Length == 0 ? null : p;
    }

    /// <summary>
    /// The type of the member at <paramref name="param"/> (<c>thread.messages[0].role</c>), found in the
    /// serializer's metadata: the source-generated serializer names the enclosing type in its message.
    /// </summary>
    private static Type? TypeAt(JsonTypeInfo root, string param)
    {
        var info = root;
        Type? type = null;
        foreach (var segment in param.Split('.'))
        {
            var name = segment.Split('[')[0];
            if (info.Kind == JsonTypeInfoKind.Dictionary)
                type = info.ElementType; // the segment is a key: its value's type
            else if (info.Properties.FirstOrDefault(p => p.Name == name) is { } property)
                type = property.PropertyType;
            else
                return null;
            for (var i = segment.IndexOf('['); i >= 0 && type is not null; i = segment.IndexOf('[', i + 1))
                type = info.Options.GetTypeInfo(type).ElementType;
            if (type is null)
                return null;
            info = info.Options.GetTypeInfo(type);
        }
        return type;
    }

    private static string Describe(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "a string",
        var t when t == typeof(bool) => "a boolean",
        var t when t == typeof(int) || t == typeof(long) => "an integer",
        var t when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => "a number",
        var t when t == typeof(System.Text.Json.Nodes.JsonArray) => "an array",
        var t when t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>) => "an object",
        var t when t.IsArray || (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>)) => "an array",
        _ => "an object",
    };

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex(@"could not be converted to ([\w\.`\[\]\d, ]+?)(\. |\.$|$)")]
    private static partial Regex ExpectedType();
}
