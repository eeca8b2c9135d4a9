using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The component schemas of one OpenAPI document, and a strict validator of JSON values
/// against them.
/// </summary>
/// <remarks>
/// It understands exactly the keywords the Assistants spec uses and refuses, when the
/// document is loaded, any other keyword, so that a spec that grows one cannot be
/// validated loosely by accident. Semantics, JSON Schema 2020-12 plus OpenAPI 3.0's
/// <c>nullable</c>:
/// <list type="bullet">
/// <item><c>type</c> (a name or a list): <c>integer</c> means a JSON number written
/// without fraction or exponent (<c>1.0</c> is not an integer here); <c>number</c> takes
/// any number.</item>
/// <item><c>nullable: true</c> lets null through that schema whatever else it says; an
/// <c>allOf</c> takes null when one of its branches says <c>nullable: true</c> (the
/// OpenAPI 3.0 idiom <c>allOf: [{$ref: X}, {nullable: true}]</c>).</item>
/// <item><c>$ref</c> to any JSON pointer in the document, with sibling keywords applied
/// too (3.1).</item>
/// <item><c>properties</c>, <c>required</c> and <c>additionalProperties</c> (absent
/// means allowed) on objects only; <c>items</c>, <c>minItems</c>, <c>maxItems</c> on
/// arrays only; <c>minLength</c>/<c>maxLength</c> (in code points) and <c>format:
/// uri</c> (absolute) on strings; <c>minimum</c>/<c>maximum</c> (inclusive) and
/// <c>format: unixtime</c> (whole seconds, 0..253402300799, so milliseconds fail) on
/// numbers.</item>
/// <item><c>enum</c>, <c>const</c>; <c>allOf</c> (all), <c>anyOf</c> (at least one),
/// <c>oneOf</c> (exactly one).</item>
/// </list>
/// When no branch of an <c>anyOf</c>/<c>oneOf</c> matches, the violations of the one
/// branch meant (the only non-null branch, or the only one whose enum-valued properties
/// such as <c>type</c> or <c>event</c> agree with the value) are reported as they are;
/// otherwise one violation summarises every branch.
/// </remarks>
internal sealed partial class OpenApiSchemaSet
{
    private const string SchemasPointer = "#/components/schemas/";
    private const int MaxDepth = 256;
    private const long MaxUnixSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z, the SDKs' DateTimeOffset limit
    private const int MaxValueText = 80;

    private static readonly HashSet<string> AssertionKeywords =
    [
        "$ref", "type", "nullable", "enum", "const", "properties", "required", "additionalProperties",
        "items", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
        "allOf", "anyOf", "oneOf", "format",
    ];

    private static readonly HashSet<string> AnnotationKeywords =
        ["title", "description", "default", "example", "examples", "deprecated", "readOnly", "writeOnly"];

    private static readonly HashSet<string> TypeNames =
        ["null", "boolean", "object", "array", "number", "integer", "string"];

    private readonly JsonObject _document;
    private readonly JsonObject _schemas;
    private readonly Lock _gate = new(); // JsonObject lookups are not promised to be thread-safe.

    private OpenApiSchemaSet(JsonObject document, string source)
    {
        _document = document;
        Source = source;
        _schemas = document["components"]?["schemas"] as JsonObject
            ?? throw new FormatException($"{source} has no components/schemas.");
        SchemaNames = _schemas.Select(pair => pair.Key).ToArray();
        foreach (var name in SchemaNames)
        {
            CheckSupported(_schemas[name], SchemasPointer + name);
        }
    }

    /// <summary>Where the document came from (a path, or a label for inline YAML).</summary>
    public string Source { get; }

    /// <summary>The names under <c>components/schemas</c>, in document order.</summary>
    public IReadOnlyList<string> SchemaNames { get; }

    public static OpenApiSchemaSet Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"OpenAPI document not found at '{path}'.", path);
        }

        return FromYaml(File.ReadAllText(path), path);
    }

    /// <summary>Reads a YAML (or JSON, which is YAML) OpenAPI document.</summary>
    public static OpenApiSchemaSet FromYaml(string yaml, string source = "(inline YAML)") =>
        new(YamlToJson.Convert(yaml) as JsonObject ?? throw new FormatException($"{source} is not a YAML mapping."), source);

    /// <summary>A copy of the named component schema.</summary>
    public JsonObject GetSchema(string schemaName)
    {
        lock (_gate)
        {
            return (JsonObject)Schema(schemaName).DeepClone();
        }
    }

    /// <summary>The schema's <c>x-oaiMeta.example</c> parsed as JSON, or null when it has none.</summary>
    public JsonNode? GetExample(string schemaName)
    {
        lock (_gate)
        {
            return Schema(schemaName)["x-oaiMeta"]?["example"] is JsonValue example
                ? JsonNode.Parse(example.GetValue<string>())
                : null;
        }
    }

    /// <summary>Every violation of the named component schema by <paramref name="instance"/> (C# null is JSON null).</summary>
    public IReadOnlyList<SchemaViolation> Validate(string schemaName, JsonNode? instance)
    {
        var violations = new List<SchemaViolation>();
        lock (_gate)
        {
            Evaluate(Schema(schemaName), instance, "$", violations, 0);
        }

        return violations;
    }

    /// <summary>Fails the test, listing every violation and the value, unless it matches the schema.</summary>
    public void AssertValid(string schemaName, JsonNode? instance)
    {
        var violations = Validate(schemaName, instance);
        if (violations.Count == 0)
        {
            return;
        }

        var message = new StringBuilder()
            .Append(CultureInfo.InvariantCulture,
                $"Value does not match schema '{schemaName}' of {Path.GetFileName(Source)} ({violations.Count} violation{(violations.Count == 1 ? "" : "s")}):");
        foreach (var violation in violations)
        {
            message.Append("\n  ").Append(violation.ToString().Replace("\n", "\n  ", StringComparison.Ordinal));
        }

        var json = instance?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";
        message.Append("\nValue:\n").Append(json.Length > 4000 ? json[..4000] + "\n... (cut)" : json);
        Assert.Fail(message.ToString());
    }

    private JsonObject Schema(string schemaName) =>
        _schemas[schemaName] as JsonObject
        ?? throw new ArgumentException(
            $"No schema '{schemaName}' under components/schemas of {Source}. Known: {string.Join(", ", SchemaNames)}.",
            nameof(schemaName));

    // ---- validation ----------------------------------------------------------------

    private void Evaluate(JsonNode? schema, JsonNode? instance, string path, List<SchemaViolation> sink, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"Schemas nest deeper than {MaxDepth} at {path}: is there a $ref cycle?");
        }

        if (schema is JsonValue boolean)
        {
            if (!boolean.GetValue<bool>())
            {
                sink.Add(new(path, "no value is allowed here (schema is false)"));
            }

            return;
        }

        var s = (JsonObject)schema!;
        if (instance is null && AcceptsNull(s))
        {
            return;
        }

        if (s["$ref"] is JsonValue reference)
        {
            Evaluate(Resolve(reference.GetValue<string>()), instance, path, sink, depth + 1);
        }

        if (s["type"] is { } type && !MatchesType(type, instance))
        {
            sink.Add(new(path, $"expected {TypeText(type)}, got {Describe(instance)}"));
            return; // the other keywords would only repeat the same news
        }

        if (s["enum"] is JsonArray allowed && !allowed.Any(value => JsonNode.DeepEquals(value, instance)))
        {
            sink.Add(new(path, $"{Describe(instance)} is not one of {allowed.ToJsonString()}"));
        }

        if (s.TryGetPropertyValue("const", out var constant) && !JsonNode.DeepEquals(constant, instance))
        {
            sink.Add(new(path, $"{Describe(instance)} is not the constant {constant?.ToJsonString() ?? "null"}"));
        }

        switch (KindOf(instance))
        {
            case JsonValueKind.Number:
                CheckNumber(s, instance!, path, sink);
                break;
            case JsonValueKind.String:
                CheckString(s, instance!.GetValue<string>(), path, sink);
                break;
            case JsonValueKind.Array:
                CheckArray(s, (JsonArray)instance!, path, sink, depth);
                break;
            case JsonValueKind.Object:
                CheckObject(s, (JsonObject)instance!, path, sink, depth);
                break;
        }

        if (s["allOf"] is JsonArray allOf)
        {
            foreach (var branch in allOf)
            {
                Evaluate(branch, instance, path, sink, depth + 1);
            }
        }

        if (s["anyOf"] is JsonArray anyOf)
        {
            EvaluateAlternatives("anyOf", anyOf, instance, path, sink, depth);
        }

        if (s["oneOf"] is JsonArray oneOf)
        {
            EvaluateAlternatives("oneOf", oneOf, instance, path, sink, depth);
        }
    }

    private static bool AcceptsNull(JsonObject schema) =>
        IsTrue(schema["nullable"])
        || (schema["allOf"] is JsonArray allOf && allOf.Any(branch => branch is JsonObject b && IsTrue(b["nullable"])));

    private static void CheckNumber(JsonObject s, JsonNode instance, string path, List<SchemaViolation> sink)
    {
        var value = NumberOf(instance);
        if (s["minimum"] is { } minimum && value < NumberOf(minimum))
        {
            sink.Add(new(path, $"{Describe(instance)} is below the minimum {minimum.ToJsonString()}"));
        }

        if (s["maximum"] is { } maximum && value > NumberOf(maximum))
        {
            sink.Add(new(path, $"{Describe(instance)} is above the maximum {maximum.ToJsonString()}"));
        }

        if (Format(s) == "unixtime" && (value < 0 || value > MaxUnixSeconds || !IsIntegerText(instance)))
        {
            sink.Add(new(path, $"{Describe(instance)} is not a unix time in whole seconds (0..{MaxUnixSeconds}); milliseconds?"));
        }
    }

    private static void CheckString(JsonObject s, string value, string path, List<SchemaViolation> sink)
    {
        var length = value.EnumerateRunes().Count();
        if (s["minLength"] is { } minLength && length < NumberOf(minLength))
        {
            sink.Add(new(path, $"string of {length} characters is shorter than minLength {minLength.ToJsonString()}"));
        }

        if (s["maxLength"] is { } maxLength && length > NumberOf(maxLength))
        {
            sink.Add(new(path, $"string of {length} characters is longer than maxLength {maxLength.ToJsonString()}"));
        }

        if (Format(s) == "uri" && !Uri.TryCreate(value, UriKind.Absolute, out _))
        {
            sink.Add(new(path, $"{Describe(JsonValue.Create(value))} is not an absolute URI"));
        }
    }

    private void CheckArray(JsonObject s, JsonArray array, string path, List<SchemaViolation> sink, int depth)
    {
        if (s["minItems"] is { } minItems && array.Count < NumberOf(minItems))
        {
            sink.Add(new(path, $"array of {array.Count} items has fewer than minItems {minItems.ToJsonString()}"));
        }

        if (s["maxItems"] is { } maxItems && array.Count > NumberOf(maxItems))
        {
            sink.Add(new(path, $"array of {array.Count} items has more than maxItems {maxItems.ToJsonString()}"));
        }

        if (s["items"] is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Evaluate(items, array[i], $"{path}[{i}]", sink, depth + 1);
            }
        }
    }

    private void CheckObject(JsonObject s, JsonObject value, string path, List<SchemaViolation> sink, int depth)
    {
        var properties = s["properties"] as JsonObject;
        if (s["required"] is JsonArray required)
        {
            foreach (var name in required.Select(n => n!.GetValue<string>()))
            {
                if (!value.ContainsKey(name))
                {
                    sink.Add(new(ChildPath(path, name), "required property is missing"));
                }
            }
        }

        var hasAdditional = s.TryGetPropertyValue("additionalProperties", out var additional);
        foreach (var (name, propertyValue) in value)
        {
            if (properties is not null && properties.TryGetPropertyValue(name, out var propertySchema))
            {
                Evaluate(propertySchema, propertyValue, ChildPath(path, name), sink, depth + 1);
            }
            else if (hasAdditional && additional is JsonValue allowed && !allowed.GetValue<bool>())
            {
                sink.Add(new(ChildPath(path, name), "property is not allowed (additionalProperties: false)"));
            }
            else if (hasAdditional && additional is JsonObject)
            {
                Evaluate(additional, propertyValue, ChildPath(path, name), sink, depth + 1);
            }
        }
    }

    private void EvaluateAlternatives(
        string keyword, JsonArray branches, JsonNode? instance, string path, List<SchemaViolation> sink, int depth)
    {
        var results = branches.Select(branch =>
        {
            var violations = new List<SchemaViolation>();
            Evaluate(branch, instance, path, violations, depth + 1);
            return violations;
        }).ToArray();
        var matched = Enumerable.Range(0, results.Length).Where(i => results[i].Count == 0).ToArray();
        if (keyword == "anyOf" ? matched.Length > 0 : matched.Length == 1)
        {
            return;
        }

        if (matched.Length > 1)
        {
            sink.Add(new(path,
                $"matches {matched.Length} of the {branches.Count} oneOf branches " +
                $"({string.Join(", ", matched.Select(i => Label(branches[i], i)))}); exactly one must match"));
            return;
        }

        // Nothing matched. Report the branch the value was meant for, when that is clear.
        var candidates = Enumerable.Range(0, branches.Count)
            .Where(i => instance is null || !IsNullOnly(branches[i]))
            .ToArray();
        var claimed = candidates.Where(i => Claims(branches[i], instance, 0)).ToArray();
        var meant = candidates.Length == 1 ? candidates : claimed;
        if (meant.Length == 1)
        {
            sink.AddRange(results[meant[0]]);
            return;
        }

        var summary = new StringBuilder($"matches none of the {branches.Count} {keyword} branches:");
        foreach (var i in candidates)
        {
            summary.Append("\n  - ").Append(Label(branches[i], i)).Append(": ");
            summary.AppendJoin("; ", results[i].Take(3).Select(v =>
                (v.Path == path ? v.Message : v.ToString()).Replace("\n", "\n    ", StringComparison.Ordinal)));
            if (results[i].Count > 3)
            {
                summary.Append(CultureInfo.InvariantCulture, $"; and {results[i].Count - 3} more");
            }
        }

        sink.Add(new(path, summary.ToString()));
    }

    /// <summary>Whether the value's enum-valued properties (<c>type</c>, <c>event</c>, ...) all agree with this branch.</summary>
    private bool Claims(JsonNode? branch, JsonNode? instance, int depth)
    {
        if (instance is not JsonObject value || depth > 8 || Dereference(branch) is not JsonObject schema)
        {
            return false;
        }

        var agreed = false;
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, propertySchema) in properties)
            {
                if (Dereference(propertySchema)?["enum"] is not JsonArray allowed || !value.TryGetPropertyValue(name, out var actual))
                {
                    continue;
                }

                if (!allowed.Any(a => JsonNode.DeepEquals(a, actual)))
                {
                    return false;
                }

                agreed = true;
            }
        }

        return agreed
            || ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray nested && nested.Any(b => Claims(b, instance, depth + 1)));
    }

    private bool IsNullOnly(JsonNode? branch) =>
        Dereference(branch)?["type"] is JsonValue type && type.GetValue<string>() == "null";

    private string Label(JsonNode? branch, int index)
    {
        if (branch?["$ref"] is JsonValue reference)
        {
            return reference.GetValue<string>().Split('/')[^1];
        }

        var schema = Dereference(branch);
        if (schema?["title"] is JsonValue title)
        {
            return $"#{index + 1} \"{title.GetValue<string>()}\"";
        }

        return schema?["type"] is { } type ? $"#{index + 1} ({TypeText(type)})" : $"#{index + 1}";
    }

    // ---- references ----------------------------------------------------------------

    private JsonNode? Dereference(JsonNode? schema)
    {
        for (var hops = 0; schema?["$ref"] is JsonValue reference && hops < 32; hops++)
        {
            schema = Resolve(reference.GetValue<string>());
        }

        return schema;
    }

    private JsonNode Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Only local $refs are supported, not '{reference}' ({Source}).");
        }

        JsonNode? node = _document;
        foreach (var segment in reference[2..].Split('/'))
        {
            var name = Uri.UnescapeDataString(segment).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[name],
                JsonArray a when int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node ?? throw new InvalidOperationException($"$ref '{reference}' does not resolve in {Source}.");
    }

    // ---- load-time check -------------------------------------------------------------

    private void CheckSupported(JsonNode? schema, string pointer)
    {
        if (schema is JsonValue boolean && boolean.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return;
        }

        if (schema is not JsonObject s)
        {
            throw Unsupported(pointer, "a schema must be an object or a boolean");
        }

        foreach (var (keyword, value) in s)
        {
            if (keyword.StartsWith("x-", StringComparison.Ordinal) || AnnotationKeywords.Contains(keyword))
            {
                continue;
            }

            if (!AssertionKeywords.Contains(keyword))
            {
                throw Unsupported(pointer, $"keyword '{keyword}' is not understood by {nameof(OpenApiSchemaSet)}; teach it before validating against it");
            }

            var at = $"{pointer}/{keyword}";
            switch (keyword)
            {
                case "$ref":
                    Resolve(value?.GetValue<string>() ?? throw Unsupported(at, "$ref must be a string"));
                    break;
                case "type":
                    IEnumerable<JsonNode?> names = value is JsonArray list ? list : new[] { value };
                    foreach (var name in names)
                    {
                        if (name is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !TypeNames.Contains(v.GetValue<string>()))
                        {
                            throw Unsupported(at, $"unknown type {name?.ToJsonString()}");
                        }
                    }

                    break;
                case "properties":
                    foreach (var (name, property) in value as JsonObject ?? throw Unsupported(at, "properties must be an object"))
                    {
                        CheckSupported(property, $"{at}/{name}");
                    }

                    break;
                case "items" or "additionalProperties":
                    CheckSupported(value, at);
                    break;
                case "allOf" or "anyOf" or "oneOf":
                    if (value is not JsonArray { Count: > 0 } branches)
                    {
                        throw Unsupported(at, $"{keyword} must be a non-empty array");
                    }

                    for (var i = 0; i < branches.Count; i++)
                    {
                        CheckSupported(branches[i], $"{at}/{i}");
                    }

                    break;
                case "required" or "enum":
                    if (value is not JsonArray)
                    {
                        throw Unsupported(at, $"{keyword} must be an array");
                    }

                    break;
            }
        }
    }

    private InvalidOperationException Unsupported(string pointer, string what) =>
        new($"{Source}, {pointer}: {what}.");

    // ---- JSON helpers ----------------------------------------------------------------

    private static JsonValueKind KindOf(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    private static bool MatchesType(JsonNode type, JsonNode? instance)
    {
        var kind = KindOf(instance);
        IEnumerable<string> names = type is JsonArray list
            ? list.Select(n => n!.GetValue<string>())
            : new[] { type.GetValue<string>() };
        return names.Any(name => name switch
        {
            "null" => kind == JsonValueKind.Null,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "number" => kind == JsonValueKind.Number,
            "integer" => kind == JsonValueKind.Number && IsIntegerText(instance!),
            _ => false,
        });
    }

    private static string TypeText(JsonNode type) =>
        type is JsonArray list ? string.Join(" or ", list.Select(n => n!.GetValue<string>())) : type.GetValue<string>();

    private static bool IsIntegerText(JsonNode number) => IntegerText().IsMatch(number.ToJsonString());

    private static double NumberOf(JsonNode number) =>
        double.Parse(number.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool IsTrue(JsonNode? node) => node?.GetValueKind() == JsonValueKind.True;

    private static string? Format(JsonObject s) => s["format"] is JsonValue f ? f.GetValue<string>() : null;

    private static string Describe(JsonNode? value)
    {
        var kind = KindOf(value);
        if (kind == JsonValueKind.Null)
        {
            return "null";
        }

        var json = value!.ToJsonString();
        if (json.Length > MaxValueText)
        {
            json = json[..MaxValueText] + "...";
        }

        return kind switch
        {
            JsonValueKind.Object => $"object {json}",
            JsonValueKind.Array => $"array {json}",
            JsonValueKind.String => $"string {json}",
            JsonValueKind.Number => $"number {json}",
            _ => $"boolean {json}",
        };
    }

    private static string ChildPath(string path, string name) =>
        IdentifierText().IsMatch(name)
            ? $"{path}.{name}"
            : $"{path}['{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierText();
}
