namespace Threadline.Tests.Infrastructure;

/// <summary>
/// One way a JSON value breaks a schema: where (a JSON path such as
/// <c>$.data[0].content[1].text.value</c>) and what is wrong.
/// </summary>
internal sealed record SchemaViolation(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
