using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Threadline.Api;

/// <summary>
/// One pass over a request body before it is bound, for what the serializer lets through or answers
/// with an exception of its own: broken JSON, a root that is not an object, a key twice in one object,
/// and strings that are not text (invalid UTF-8, unpaired surrogates, NUL). Free-form fields (tools,
/// response formats, content parts, tool resources) are checked here like every other, so no route
/// needs a case of its own.
/// </summary>
internal static class BodyScan
{
    /// <summary>Throws the 400 for the body's first problem; not-JSON wins over every other.</summary>
    public static void Check(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        var path = new List<Level>();
        ApiException? problem = null;
        try
        {
            if (!reader.Read())
                throw NotJson();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                while (reader.Read())
                {
                }
                throw ApiException.Invalid("The request body must be a JSON object.", null, "invalid_type");
            }
            path.Add(new Level(null));
            while (reader.Read())
            {
                var level = path[^1];
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        problem ??= Key(ref reader, path, level);
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        continue;
                }
                level.Index++;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    path.Add(new Level(reader.TokenType == JsonTokenType.StartArray ? -1 : null));
                else if (reader.TokenType == JsonTokenType.String)
                    problem ??= Text(ref reader, path) is { } reason ? ApiException.Invalid($"Invalid value for '{Param(path)}': {reason}", Param(path), "invalid_value") : null;
            }
        }
        catch (JsonException)
        {
            throw NotJson();
        }
        if (problem is not null)
            throw problem;
    }

    public static ApiException NotJson() => ApiException.Invalid(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
        "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");

    /// <summary>One open object (its keys so far, the current one) or array (the current item's index).</summary>
    private sealed class Level(int? index)
    {
        public int? Index { get; set; } = index;
        public string? Key { get; set; }
        public HashSet<string>? Keys { get; set; }
    }

    private static ApiException? Key(ref Utf8JsonReader reader, List<Level> path, Level level)
    {
        level.Key = null;
        if (Text(ref reader, path) is { } reason)
        {
            var at = Param(path);
            return ApiException.Invalid(at is null ? $"Invalid key in the request body: {reason}" : $"Invalid key in '{at}': {reason}", at, "invalid_value");
        }
        var key = reader.GetString()!;
        level.Key = key;
        level.Keys ??= new HashSet<string>(StringComparer.Ordinal);
        if (level.Keys.Add(key))
            return null;
        var param = Param(path)!;
        return ApiException.Invalid($"Duplicate parameter: '{param}' appears more than once in its object; send each key once.", param, "duplicate_parameter");
    }

    /// <summary>Why the current string is not text, or null when it is.</summary>
    private static string? Text(ref Utf8JsonReader reader, List<Level> path)
    {
        if (!reader.ValueIsEscaped)
            return Utf8.IsValid(reader.ValueSpan) ? null : "the text is not valid UTF-8.";
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Utf8.IsValid(reader.ValueSpan)
                ? "the string holds an unpaired surrogate escape (\\ud800 to \\udfff), which is not text."
                : "the text is not valid UTF-8.";
        }
        return value.Contains('\0') ? "the string holds a NUL character (\\u0000), which is not accepted." : null;
    }

    /// <summary><c>thread.messages[0].role</c>: the path to the current value, as <c>param</c> names it.</summary>
    private static string? Param(List<Level> path)
    {
        var text = new StringBuilder();
        foreach (var level in path)
        {
            if (level.Key is { } key)
                text.Append(text.Length == 0 ? "" : ".").Append(key);
            else if (level.Index is >= 0 and var i)
                text.Append('[').Append(i).Append(']');
        }
        return text.Length == 0 ? null : text.ToString();
    }
}
