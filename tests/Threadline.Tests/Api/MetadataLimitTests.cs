using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Api;

/// <summary>
/// Metadata everywhere it is accepted: at most 16 keys, keys of at most 64 characters, values of at
/// most 512. One over each limit is a 400 naming the field; exactly at the limits is stored whole.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class MetadataLimitTests(SharedServerFixture server)
{
    /// <summary>Route, body with <c>@META</c> where the metadata goes, and that field's param.</summary>
    public static TheoryData<string, string, string> Places => new()
    {
        { "assistants", """{"model":"echo","metadata":@META}""", "metadata" },
        { "assistants/{A}", """{"metadata":@META}""", "metadata" },
        { "threads", """{"metadata":@META}""", "metadata" },
        { "threads", """{"messages":[{"role":"user","content":"x","metadata":@META}]}""", "messages[0].metadata" },
        { "threads/{T}", """{"metadata":@META}""", "metadata" },
        { "threads/{T}/messages", """{"role":"user","content":"x","metadata":@META}""", "metadata" },
        { "threads/{T}/messages/{M}", """{"metadata":@META}""", "metadata" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","metadata":@META}""", "metadata" },
        { "threads/{T}/runs", """{"assistant_id":"{A}","additional_messages":[{"role":"user","content":"x","metadata":@META}]}""", "additional_messages[0].metadata" },
        { "threads/{T}/runs/{R}", """{"metadata":@META}""", "metadata" },
        { "threads/runs", """{"assistant_id":"{A}","metadata":@META}""", "metadata" },
        { "threads/runs", """{"assistant_id":"{A}","thread":{"metadata":@META}}""", "thread.metadata" },
    };

    [Theory]
    [MemberData(nameof(Places))]
    public async Task SeventeenKeysAreTooMany(string route, string body, string param)
    {
        var metadata = new JsonObject();
        for (var i = 0; i < 17; i++)
            metadata[$"k{i}"] = "v";

        var response = await PostAsync(route, body, metadata);

        response.AssertError(400, param: param);
    }

    [Theory]
    [MemberData(nameof(Places))]
    public async Task AKeyOf65CharactersIsTooLong(string route, string body, string param)
    {
        var response = await PostAsync(route, body, new JsonObject { [new string('k', 65)] = "v" });

        var error = response.AssertError(400);
        Assert.StartsWith(param, (string?)error["param"]);
    }

    [Theory]
    [MemberData(nameof(Places))]
    public async Task AValueOf513CharactersIsTooLong(string route, string body, string param)
    {
        var response = await PostAsync(route, body, new JsonObject { ["k"] = new string('v', 513) });

        response.AssertError(400, param: param + ".k");
    }

    [Theory]
    [MemberData(nameof(Places))]
    public async Task ExactlyAtEveryLimitIsAccepted(string route, string body, string param)
    {
        var metadata = new JsonObject();
        for (var i = 0; i < 16; i++)
            metadata[i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture) + new string('k', 62)] = new string((char)('a' + i), 512);

        var response = await PostAsync(route, body, metadata);

        var created = response.AssertOk();
        if (param == "metadata")
            Assert.True(JsonNode.DeepEquals(metadata, created["metadata"]), $"metadata came back as {created["metadata"]}");
    }

    private async Task<ApiResponse> PostAsync(string route, string body, JsonObject metadata)
    {
        var ids = await Scenario.SharedAsync(server);
        using var http = server.CreateHttpClient();
        return await http.PostRawAsync(ids.Fill(route), ids.Fill(body).Replace("@META", metadata.ToJsonString(), StringComparison.Ordinal));
    }
}
