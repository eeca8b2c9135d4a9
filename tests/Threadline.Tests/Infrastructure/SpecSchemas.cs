using System.Text.Json.Nodes;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The wire spec's component schemas (<c>shared/spec/assistants-v2.openapi.yaml</c>, found
/// beside the repository root), loaded once, for checking response bodies:
/// <c>SpecSchemas.AssertValid("RunObject", body)</c>. See <see cref="OpenApiSchemaSet"/>
/// for what is checked and how strictly.
/// </summary>
internal static class SpecSchemas
{
    private static readonly Lazy<OpenApiSchemaSet> Spec = new(() => OpenApiSchemaSet.Load(SpecPath));

    /// <summary>Full path of the spec file.</summary>
    public static string SpecPath => RepositoryLayout.SpecPath;

    /// <summary>The loaded spec, for anything beyond the shortcuts below.</summary>
    public static OpenApiSchemaSet Document => Spec.Value;

    /// <summary>The names under <c>components/schemas</c>.</summary>
    public static IReadOnlyList<string> Names => Spec.Value.SchemaNames;

    /// <summary>Every violation of the named schema by the value (C# null is JSON null); empty when it matches.</summary>
    public static IReadOnlyList<SchemaViolation> Validate(string schemaName, JsonNode? instance) =>
        Spec.Value.Validate(schemaName, instance);

    /// <summary>Fails the test with every violation listed unless the value matches the named schema.</summary>
    public static void AssertValid(string schemaName, JsonNode? instance) =>
        Spec.Value.AssertValid(schemaName, instance);

    /// <summary>Parses <paramref name="json"/> and asserts as above.</summary>
    public static void AssertValid(string schemaName, string json) =>
        Spec.Value.AssertValid(schemaName, JsonNode.Parse(json));

    /// <summary>The schema's <c>x-oaiMeta.example</c> as JSON, or null when it has none.</summary>
    public static JsonNode? Example(string schemaName) => Spec.Value.GetExample(schemaName);
}
