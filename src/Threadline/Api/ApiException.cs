namespace Threadline.Api;

/// <summary>
/// A failure the client caused or must learn about, carried to the error middleware and
/// written in the OpenAI envelope. Services throw it; nothing else should reach the client.
/// </summary>
internal sealed class ApiException(int status, string message, string type, string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>When the client may try again, sent as <c>retry-after-ms</c> and <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ApiException Invalid(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static ApiException NotFound(string message) =>
        new(StatusCodes.Status404NotFound, message, "invalid_request_error");

    /// <summary>The hosted text: <c>No thread found with id 'thread_x'.</c></summary>
    public static ApiException NoSuch(string noun, string id) => NotFound($"No {noun} found with id '{id}'.");

    public static ApiException Conflict(string message, string? code = null) =>
        new(StatusCodes.Status409Conflict, message, "invalid_request_error", null, code);

    public static ApiException Unprocessable(string message, string? code = null) =>
        new(StatusCodes.Status422UnprocessableEntity, message, "invalid_request_error", null, code);
}
