using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Models;

/// <summary>
/// A model name is at most 256 characters wherever a request names one: on an assistant and as a run's
/// <c>model</c> override (create run, create thread and run). A longer one answers 400 in the error envelope
/// with <c>param: "model"</c> and <c>code: "string_above_max_length"</c>, before anything is stored or routed
/// (the model router keeps a client per name it sees, so unbounded names are unbounded memory).
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class ModelNameTests(SharedServerFixture server)
{
    private const int MaxLength = 256;

    public static TheoryData<string> Operations => ["create assistant", "modify assistant", "create run", "create thread and run"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_model_name_longer_than_256_characters_answers_400_string_above_max_length(string operation)
    {
        using var http = server.CreateHttpClient();
        var response = await SendAsync(http, operation, new string('m', MaxLength + 1));

        var error = response.AssertError(400, param: "model");
        Assert.Equal("string_above_max_length", (string?)error["code"]);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_model_name_of_256_characters_is_accepted(string operation)
    {
        using var http = server.CreateHttpClient();
        var model = new string('m', MaxLength);
        var response = await SendAsync(http, operation, model);

        Assert.Equal(model, (string?)response.AssertOk()["model"]);
    }

    private static async Task<ApiResponse> SendAsync(HttpClient http, string operation, string model)
    {
        var assistantId = (string)(await http.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;
        switch (operation)
        {
            case "create assistant":
                return await http.PostRawAsync("assistants", JsonSerializer.Serialize(new { model }));
            case "modify assistant":
                return await http.PostRawAsync($"assistants/{assistantId}", JsonSerializer.Serialize(new { model }));
            case "create run":
                var threadId = (string)(await http.PostOkAsync("threads", """{"messages":[{"role":"user","content":"hi"}]}"""))["id"]!;
                return await http.PostRawAsync($"threads/{threadId}/runs", JsonSerializer.Serialize(new { assistant_id = assistantId, model }));
            case "create thread and run":
                return await http.PostRawAsync("threads/runs", JsonSerializer.Serialize(new
                {
                    assistant_id = assistantId,
                    model,
                    thread = new { messages = new[] { new { role = "user", content = "hi" } } },
                }));
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
    }
}
