using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threadline.Api;

namespace Threadline.Retrieval.Search;

/// <summary>
/// A filter on a store file's attributes: a comparison (<c>eq</c>, <c>ne</c>, <c>gt</c>, <c>gte</c>,
/// <c>lt</c>, <c>lte</c>, <c>in</c>, <c>nin</c>) or an <c>and</c>/<c>or</c> of filters. A file without the
/// key matches only <c>ne</c> and <c>nin</c>, as a missing value equals nothing.
/// </summary>
internal abstract record AttributeFilter
{
    public abstract bool Matches(JsonObject attributes);

    public static AttributeFilter Parse(JsonObject node, string param)
    {
        var type = node["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
        switch (type)
        {
            case "and" or "or":
                foreach (var (key, _) in node)
                    if (key is not ("type" or "filters"))
                        throw ApiException.Invalid($"Unrecognized request argument supplied: {param}.{key}", $"{param}.{key}", "unknown_parameter");
                if (node["filters"] is not JsonArray filters)
                    throw ApiException.Invalid($"Missing required parameter: '{param}.filters'.", $"{param}.filters", "missing_required_parameter");
                var parts = filters.Select((f, i) => f is JsonObject o
                    ? Parse(o, $"{param}.filters[{i}]")
                    : throw ApiException.Invalid($"Invalid type for '{param}.filters[{i}]': expected an object.", $"{param}.filters[{i}]", "invalid_type")).ToList();
                return new Compound(type == "and", parts);
            case "eq" or "ne" or "gt" or "gte" or "lt" or "lte" or "in" or "nin":
                foreach (var (key, _) in node)
                    if (key is not ("type" or "key" or "value"))
                        throw ApiException.Invalid($"Unrecognized request argument supplied: {param}.{key}", $"{param}.{key}", "unknown_parameter");
                var attribute = node["key"] is JsonValue k && k.TryGetValue<string>(out var ks) ? ks
                    : throw ApiException.Invalid($"Missing required parameter: '{param}.key'.", $"{param}.key", "missing_required_parameter");
                var value = node["value"] ?? throw ApiException.Invalid($"Missing required parameter: '{param}.value'.", $"{param}.value", "missing_required_parameter");
                if (type is "in" or "nin" ? value is not JsonArray : value is not JsonValue)
                    throw ApiException.Invalid($"Invalid type for '{param}.value': '{type}' compares with {(type is "in" or "nin" ? "an array" : "a string, number or boolean")}.", $"{param}.value", "invalid_type");
                return new Comparison(type, attribute, value.DeepClone());
            default:
                throw ApiException.Invalid($"Invalid value for '{param}.type': expected one of 'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'and', 'or'.", $"{param}.type", "invalid_value");
        }
    }

    private sealed record Compound(bool All, IReadOnlyList<AttributeFilter> Parts) : AttributeFilter
    {
        public override bool Matches(JsonObject attributes) => All ? Parts.All(p => p.Matches(attributes)) : Parts.Any(p => p.Matches(attributes));
    }

    private sealed record Comparison(string Op, string Key, JsonNode Value) : AttributeFilter
    {
        public override bool Matches(JsonObject attributes)
        {
            var actual = attributes[Key] as JsonValue;
            return Op switch
            {
                "eq" => actual is not null && Compare(actual, Value) == 0,
                "ne" => actual is null || Compare(actual, Value) != 0,
                "gt" => actual is not null && Compare(actual, Value) > 0,
                "gte" => actual is not null && Compare(actual, Value) >= 0,
                "lt" => actual is not null && Compare(actual, Value) is < 0 and not int.MinValue,
                "lte" => actual is not null && Compare(actual, Value) is <= 0 and not int.MinValue,
                "in" => actual is not null && ((JsonArray)Value).Any(v => v is not null && Compare(actual, v) == 0),
                _ => actual is null || !((JsonArray)Value).Any(v => v is not null && Compare(actual, v) == 0),
            };
        }

        /// <summary>Numbers as numbers, strings ordinally, booleans for equality; <c>int.MinValue</c> when the kinds differ.</summary>
        private static int Compare(JsonNode actual, JsonNode expected)
        {
            var a = actual.GetValueKind();
            var e = expected.GetValueKind();
            if (a == JsonValueKind.Number && e == JsonValueKind.Number)
                return actual.GetValue<double>().CompareTo(expected.GetValue<double>());
            if (a == JsonValueKind.String && e == JsonValueKind.String)
                return string.CompareOrdinal(actual.GetValue<string>(), expected.GetValue<string>());
            if (a is JsonValueKind.True or JsonValueKind.False && e is JsonValueKind.True or JsonValueKind.False)
                return a == e ? 0 : 1;
            // A number kept as a string (dates, versions) still compares with a number.
            if (a == JsonValueKind.String && e == JsonValueKind.Number
                && double.TryParse(actual.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                return n.CompareTo(expected.GetValue<double>());
            return int.MinValue;
        }
    }
}
