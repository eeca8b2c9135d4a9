using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>
/// A key twice in one object is ambiguous (which one counts depends on the parser), so it answers 400
/// naming the key, wherever it sits: in a typed field, in metadata, or deep in JSON kept as given.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class DuplicateKeyTests(SharedServerFixture server)
{
    public static TheoryData<string, string, string> Bodies => new()
    {
        { "assistants", """{"model":"echo","model":"echo"}""", "model" },
        { "assistants", """{"model":"echo","\u006dodel":"echo"}""", "model" },
        { "assistants", """{"model":"echo","tools":[{"type":"function","type":"function","function":{"name":"f"}}]}""", "tools[0].type" },
        { "assistants", """{"model":"echo","tools":[{"type":"function","function":{"name":"f","name":"g"}}]}""", "tools[0].function.name" },
        { "assistants", """{"model":"echo","response_format":{"type":"json_object","type":"text"}}""", "response_format.type" },
        { "assistants", """{"model":"echo","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","type":"object"}}}}""", "response_format.json_schema.schema.type" },
        { "assistants", """{"model":"echo","tool_resources":{"file_search":{"vector_store_ids":[]},"file_search":{}}}""", "tool_resources.file_search" },
        { "threads", """{"metadata":{"a":"1","a":"2"}}""", "metadata.a" },
        { "threads", """{"tool_resources":{"code_interpreter":{"file_ids":[],"file_ids":[]}}}""", "tool_resources.code_interpreter.file_ids" },
        { "threads", """{"messages":[{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"a","text":"b"}]}]}""", "messages[1].content[0].text" },
        { "threads/{T}/messages", """{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/a.png","url":"http://x/b.png"}}]}""", "content[0].image_url.url" },
        { "threads/{T}/messages", """{"role":"user","content":"hi","attachments":[{"file_id":"file_a","file_id":"file_b"}]}""", "attachments[0].file_id" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","tools":[{"type":"function","function":{"name":"f"},"type":"function"}]}""", "tools[0].type" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","response_format":{"type":"json_schema","json_schema":{"name":"x","name":"y"}}}""", "response_format.json_schema.name" },
        { "threads/runs", """{"assistant_id":"{A}","tool_resources":{"code_interpreter":{},"code_interpreter":{}}}""", "tool_resources.code_interpreter" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ADuplicateKeyAnywhereIs400NamingIt(string route, string body, string param)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(ids.Fill(route), ids.Fill(body));

        var error = response.AssertError(400, param: param);
        Assert.Equal("duplicate_parameter", (string?)error["code"]);
        Assert.Contains($"'{param}'", (string?)error["message"]);
    }
}
