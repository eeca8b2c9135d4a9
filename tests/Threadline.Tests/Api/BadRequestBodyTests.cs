using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>
/// Bodies that are not JSON, have a wrong type, an unknown field or miss a required one: each a 400
/// in the envelope whose <c>param</c> names the field by its path. Routes use <c>{A}</c>, <c>{T}</c>,
/// <c>{M}</c>, <c>{R}</c> for ids that exist.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class BadRequestBodyTests(SharedServerFixture server)
{
    private const string NotJson =
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
        "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "assistants", """{"model":""" },
        { "assistants", """{"model":"echo",}""" },
        { "assistants", """{'model':'echo'}""" },
        { "assistants", """{"model":"echo"} // comment""" },
        { "assistants/{A}", """{"name":"x""" },
        { "threads", """{"messages":[}""" },
        { "threads/{T}", "{metadata:{}}" },
        { "threads/runs", """{"assistant_id":"{A}" "thread":{}}""" },
        { "threads/{T}/messages", """{"role":"user","content":"unterminated}""" },
        { "threads/{T}/messages/{M}", "{]" },
        { "threads/{T}/runs", """{"assistant_id":"{A}",""" },
        { "threads/{T}/runs/{R}", """{"metadata":{"a":"b"}}}""" },
        { "threads/{T}/runs/{R}/submit_tool_outputs", "not json" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task MalformedJsonIsTheHostedParseError(string route, string body)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(ids.Fill(route), ids.Fill(body));

        var error = response.AssertError(400, NotJson);
        Assert.Null((string?)error["param"]);
    }

    public static TheoryData<string, string, string, string> WrongTypes => new()
    {
        { "assistants", """{"model":5}""", "model", "a string" },
        { "assistants", """{"model":"echo","metadata":"x"}""", "metadata", "an object" },
        { "assistants", """{"model":"echo","tools":{}}""", "tools", "an array" },
        { "assistants", """{"model":"echo","temperature":"hot"}""", "temperature", "a number" },
        { "assistants", """{"model":"echo","name":["a"]}""", "name", "a string" },
        { "assistants/{A}", """{"description":true}""", "description", "a string" },
        { "threads", """{"messages":"hi"}""", "messages", "an array" },
        { "threads", """{"metadata":{"k":1}}""", "metadata.k", "a string" },
        { "threads", """{"messages":[{"role":"user","content":5}]}""", "messages[0].content", "" },
        { "threads/{T}", """{"metadata":[]}""", "metadata", "an object" },
        { "threads/{T}/messages", """{"role":5,"content":"x"}""", "role", "a string" },
        { "threads/{T}/messages", """{"role":"user","content":[{"type":"text","text":5}]}""", "content[0].text", "a string" },
        { "threads/{T}/messages/{M}", """{"metadata":"x"}""", "metadata", "an object" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","additional_messages":{}}""", "additional_messages", "an array" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","debounce_ms":"soon"}""", "debounce_ms", "an integer" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","max_completion_tokens":1.5}""", "max_completion_tokens", "an integer" },
        { "threads/{T}/runs", """{"assistant_id":42}""", "assistant_id", "a string" },
        { "threads/runs", """{"assistant_id":"{A}","thread":[]}""", "thread", "an object" },
        { "threads/runs", """{"assistant_id":"{A}","thread":{"messages":[{"role":"user","content":"x","metadata":{"k":false}}]}}""", "thread.messages[0].metadata.k", "a string" },
        { "threads/{T}/runs/{R}", """{"metadata":5}""", "metadata", "an object" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task AWrongTypeNamesTheField(string route, string body, string param, string expected)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(ids.Fill(route), ids.Fill(body));

        var error = response.AssertError(400, param: param);
        Assert.StartsWith($"Invalid type for '{param}': expected {expected}", (string?)error["message"]);
    }

    public static TheoryData<string, string, string> UnknownFields => new()
    {
        { "assistants", """{"model":"echo","foo":1}""", "foo" },
        { "assistants/{A}", """{"colour":"red"}""", "colour" },
        { "threads", """{"messages":[{"role":"user","content":"hi","foo":1}]}""", "messages[0].foo" },
        { "threads", """{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b","bar":null}]}""", "messages[1].bar" },
        { "threads/{T}", """{"foo":1}""", "foo" },
        { "threads/runs", """{"assistant_id":"{A}","thread":{"messages":[{"role":"user","content":"x","foo":1}]}}""", "thread.messages[0].foo" },
        { "threads/runs", """{"assistant_id":"{A}","thread":{"foo":1}}""", "thread.foo" },
        { "threads/runs", """{"assistant_id":"{A}","additional_messages":[]}""", "additional_messages" },
        { "threads/{T}/messages", """{"role":"user","content":"x","foo":1}""", "foo" },
        { "threads/{T}/messages", """{"role":"user","content":[{"type":"text","text":"x","foo":1}]}""", "content[0].foo" },
        { "threads/{T}/messages", """{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png","foo":1}}]}""", "content[0].image_url.foo" },
        { "threads/{T}/messages/{M}", """{"content":"edit"}""", "content" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","foo":1}""", "foo" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","additional_messages":[{"role":"user","content":"x","foo":1}]}""", "additional_messages[0].foo" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","truncation_strategy":{"type":"auto","foo":1}}""", "truncation_strategy.foo" },
        { "threads/{T}/runs/{R}", """{"status":"completed"}""", "status" },
    };

    [Theory]
    [MemberData(nameof(UnknownFields))]
    public async Task AnUnknownFieldIsRefusedByItsPath(string route, string body, string param)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(ids.Fill(route), ids.Fill(body));

        response.AssertError(400, $"Unrecognized request argument supplied: {param}", param);
    }

    public static TheoryData<string, string, string> MissingRequired => new()
    {
        { "assistants", "{}", "model" },
        { "assistants", "", "model" },
        { "assistants", """{"model":null}""", "model" },
        { "threads/{T}/messages", """{"content":"x"}""", "role" },
        { "threads/{T}/messages", """{"role":"user"}""", "content" },
        { "threads", """{"messages":[{"role":"user"}]}""", "messages[0].content" },
        { "threads/{T}/runs", "{}", "assistant_id" },
        { "threads/runs", "{}", "assistant_id" },
        { "threads/runs", """{"assistant_id":"{A}","thread":{"messages":[{"content":"x"}]}}""", "thread.messages[0].role" },
    };

    [Theory]
    [MemberData(nameof(MissingRequired))]
    public async Task AMissingRequiredFieldIsNamed(string route, string body, string param)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(ids.Fill(route), ids.Fill(body));

        response.AssertError(400, $"Missing required parameter: '{param}'.", param);
    }

    public static TheoryData<string, string, string> InvalidValues => new()
    {
        { "threads/{T}/messages", """{"role":"system","content":"x"}""", "role" },
        { "threads/{T}/messages", """{"role":"user","content":[]}""", "content" },
        { "threads/{T}/messages", """{"role":"user","content":[{"type":"audio"}]}""", "content[0].type" },
        { "threads/{T}/messages", """{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"ultra"}}]}""", "content[0].image_url.detail" },
        { "assistants", """{"model":"echo","temperature":3}""", "temperature" },
        { "assistants", """{"model":"echo","top_p":-0.1}""", "top_p" },
        { "assistants", """{"model":"echo","tools":[{"type":"browser"}]}""", "tools[0].type" },
        { "assistants", """{"model":"echo","tools":[{"type":"function","function":{"name":"has space"}}]}""", "tools[0].function.name" },
        { "assistants", """{"model":"echo","response_format":"xml"}""", "response_format" },
        { "assistants", """{"model":"echo","name":"NAME"}""".Replace("NAME", new string('n', 257), StringComparison.Ordinal), "name" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","on_active":"shout"}""", "on_active" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","debounce_ms":600001}""", "debounce_ms" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","debounce_ms":-1}""", "debounce_ms" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","tool_choice":"sometimes"}""", "tool_choice" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","truncation_strategy":{"type":"last_messages","last_messages":0}}""", "truncation_strategy.last_messages" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","max_prompt_tokens":10}""", "max_prompt_tokens" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task AnInvalidValueNamesTheField(string route, string body, string param)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();

        var response = await http.PostRawAsync(ids.Fill(route), ids.Fill(body));

        response.AssertError(400, param: param);
    }
}
