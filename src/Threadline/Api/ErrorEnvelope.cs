namespace Threadline.Api;

/// <summary>The OpenAI error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record ErrorEnvelope(ErrorBody Error)
{
    public static ErrorEnvelope From(ApiException e) => new(new ErrorBody(e.Message, e.Type, e.Param, e.Code));
}

internal sealed record ErrorBody(string Message, string Type, string? Param, string? Code);
