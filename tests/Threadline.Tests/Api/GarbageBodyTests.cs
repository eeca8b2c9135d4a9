using System.Net.Http.Headers;
using System.Text;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>
/// Odd bodies posted to every POST route: each must be answered with a 4xx in the error envelope,
/// never a 500 and never a bare page.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class GarbageBodyTests(SharedServerFixture server)
{
    public static readonly string[] PostRoutes =
    [
        "assistants",
        "assistants/{A}",
        "threads",
        "threads/{T}",
        "threads/runs",
        "threads/{T}/messages",
        "threads/{T}/messages/{M}",
        "threads/{T}/runs",
        "threads/{T}/runs/{R}",
        "threads/{T}/runs/{R}/cancel",
        "threads/{T}/runs/{R}/submit_tool_outputs",
    ];

    private static readonly Dictionary<string, (Func<byte[]> Body, string ContentType)> Bodies = new()
    {
        ["empty array"] = (() => Utf8("[]"), "application/json"),
        ["array of an object"] = (() => Utf8("""[{"model":"echo"}]"""), "application/json"),
        ["number"] = (() => Utf8("42"), "application/json"),
        ["null"] = (() => Utf8("null"), "application/json"),
        ["string"] = (() => Utf8("\"hello\""), "application/json"),
        ["boolean"] = (() => Utf8("true"), "application/json"),
        ["deeply nested arrays"] = (() => Utf8(new string('[', 5000) + new string(']', 5000)), "application/json"),
        ["deeply nested objects in metadata"] = (() => Utf8("{\"metadata\":" + string.Concat(Enumerable.Repeat("{\"a\":", 300)) + "1" + new string('}', 300) + "}"), "application/json"),
        ["huge unknown key"] = (() => Utf8("{\"" + new string('k', 100_000) + "\":1}"), "application/json"),
        ["huge string where an object goes"] = (() => Utf8("{\"metadata\":\"" + new string('x', 1_000_000) + "\"}"), "application/json"),
        ["number beyond double"] = (() => Utf8("""{"temperature":1e400,"metadata":{}}"""), "application/json"),
        ["integer beyond long"] = (() => Utf8("""{"debounce_ms":99999999999999999999999,"limit":1}"""), "application/json"),
        ["NaN literal"] = (() => Utf8("""{"temperature":NaN}"""), "application/json"),
        ["lone surrogate escape"] = (() => Utf8("""{"metadata":{"k":"\ud800"}}"""), "application/json"),
        ["invalid UTF-8"] = (() => [.. Utf8("{\"metadata\":{\"k\":\""), 0xFF, 0xFE, 0xC0, .. Utf8("\"}}")], "application/json"),
        ["NUL byte"] = (() => Utf8("{\0}"), "application/json"),
        ["metadata value null"] = (() => Utf8("""{"metadata":{"k":null}}"""), "application/json"),
        ["empty key"] = (() => Utf8("""{"":1}"""), "application/json"),
        ["null message"] = (() => Utf8("""{"messages":[null]}"""), "application/json"),
        ["null additional message"] = (() => Utf8("""{"additional_messages":[null]}"""), "application/json"),
        ["null message in thread"] = (() => Utf8("""{"thread":{"messages":[null]}}"""), "application/json"),
        ["null additional message of a valid run"] = (() => Utf8("""{"assistant_id":"{A}","additional_messages":[null]}"""), "application/json"),
        ["null message in the thread of a valid run"] = (() => Utf8("""{"assistant_id":"{A}","thread":{"messages":[null]}}"""), "application/json"),
        ["null tool of a valid run"] = (() => Utf8("""{"assistant_id":"{A}","tools":[null]}"""), "application/json"),
        ["null tool output"] = (() => Utf8("""{"tool_outputs":[null]}"""), "application/json"),
        ["null tool"] = (() => Utf8("""{"tools":[null]}"""), "application/json"),
        ["null content part"] = (() => Utf8("""{"role":"user","content":[null]}"""), "application/json"),
        ["plain text"] = (() => Utf8("hello"), "text/plain"),
        ["form body"] = (() => Utf8("model=echo&name=x"), "application/x-www-form-urlencoded"),
        ["xml"] = (() => Utf8("<model>echo</model>"), "application/xml"),
    };

    public static TheoryData<string> BodyNames => new(Bodies.Keys);

    [Theory]
    [MemberData(nameof(BodyNames))]
    public async Task EveryPostRouteAnswersA4xxInTheEnvelope(string bodyName)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();
        var (body, contentType) = Bodies[bodyName];
        var failures = new List<string>();

        foreach (var route in PostRoutes)
        {
            var content = new ByteArrayContent(FillIds(body(), ids));
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            var response = await http.SendRawAsync(new HttpRequestMessage(HttpMethod.Post, ids.Fill(route)) { Content = content });
            try
            {
                response.AssertClientError();
            }
            catch (Exception e)
            {
                failures.Add($"POST {route}: {response.StatusCode} {e.Message.Split('\n')[0]} :: {response.Describe()}");
            }
        }

        Assert.True(failures.Count == 0, $"body '{bodyName}':\n" + string.Join("\n", failures));
        (await http.GetRawAsync($"threads/{ids.ThreadId}")).AssertOk();
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Puts the scenario's ids in place of <c>{A}</c> and the like, leaving every other byte as it is.</summary>
    private static byte[] FillIds(byte[] body, Scenario ids)
    {
        var marker = Encoding.UTF8.GetBytes("{A}");
        if (body.AsSpan().IndexOf(marker) < 0)
            return body;
        return Utf8(ids.Fill(Encoding.UTF8.GetString(body)));
    }
}
