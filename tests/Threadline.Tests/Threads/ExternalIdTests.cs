using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Threads;

/// <summary><c>external_id</c>: find-or-create the thread and append the given messages.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class ExternalIdTests(SharedServerFixture server)
{
    [Fact]
    public async Task CreatingTwiceWithOneExternalIdReturnsTheSameThreadAndAppends()
    {
        using var http = server.CreateHttpClient();
        var externalId = "wa:" + Guid.NewGuid().ToString("N");

        var first = (await http.PostRawAsync("threads", $$"""{"external_id":"{{externalId}}","messages":[{"role":"user","content":"Hi"}]}""")).AssertOk("ThreadObject");
        var second = (await http.PostRawAsync("threads", $$"""{"external_id":"{{externalId}}","messages":[{"role":"user","content":"I have a problem"},{"role":"user","content":"my order is missing"}]}""")).AssertOk("ThreadObject");
        var third = (await http.PostRawAsync("threads", $$"""{"external_id":"{{externalId}}"}""")).AssertOk("ThreadObject");

        Assert.Equal((string?)first["id"], (string?)second["id"]);
        Assert.Equal((string?)first["id"], (string?)third["id"]);
        Assert.Equal(externalId, (string?)second["external_id"]);
        Assert.Equal((long)first["created_at"]!, (long)second["created_at"]!);
        var messages = await http.GetOkAsync($"threads/{first["id"]}/messages?order=asc");
        Assert.Equal(["Hi", "I have a problem", "my order is missing"],
            messages["data"]!.AsArray().Select(m => (string?)m!["content"]![0]!["text"]!["value"]));
        var fetched = await http.GetOkAsync($"threads/{first["id"]}");
        Assert.Equal(externalId, (string?)fetched["external_id"]);
    }

    [Fact]
    public async Task CreateThreadAndRunWithAKnownExternalIdRunsTheExistingThread()
    {
        using var http = server.CreateHttpClient();
        var externalId = "tg:" + Guid.NewGuid().ToString("N");
        var assistant = (string)(await http.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;
        var thread = (string)(await http.PostOkAsync("threads", $$"""{"external_id":"{{externalId}}","messages":[{"role":"user","content":"one"}]}"""))["id"]!;

        var run = await http.PostOkAsync("threads/runs",
            $$$"""{"assistant_id":"{{{assistant}}}","thread":{"external_id":"{{{externalId}}}","messages":[{"role":"user","content":"two"}]}}""");
        var done = await RunWaiter.UntilTerminalAsync(http, thread, (string)run["id"]!);

        Assert.Equal(thread, (string?)run["thread_id"]);
        Assert.Equal("completed", (string?)done["status"]);
        var messages = await http.GetOkAsync($"threads/{thread}/messages?order=asc");
        Assert.Equal(["one", "two", "one\ntwo"],
            messages["data"]!.AsArray().Select(m => (string?)m!["content"]![0]!["text"]!["value"]));
    }

    [Fact]
    public async Task CreateThreadAndRunWithANewExternalIdMakesTheThreadUnderIt()
    {
        using var http = server.CreateHttpClient();
        var externalId = "web:" + Guid.NewGuid().ToString("N");
        var assistant = (string)(await http.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;

        var run = await http.PostOkAsync("threads/runs",
            $$$"""{"assistant_id":"{{{assistant}}}","thread":{"external_id":"{{{externalId}}}","messages":[{"role":"user","content":"new"}]}}""");
        var found = await http.GetOkAsync($"threads?external_id={externalId}");
        var again = await http.PostOkAsync("threads", $$"""{"external_id":"{{externalId}}"}""");

        Assert.Equal([(string)run["thread_id"]!], found.Ids());
        Assert.Equal((string?)run["thread_id"], (string?)again["id"]);
    }

    [Fact]
    public async Task ConcurrentCreatesWithOneExternalIdShareOneThreadAndKeepEveryMessage()
    {
        using var http = server.CreateHttpClient();
        var externalId = "burst:" + Guid.NewGuid().ToString("N");
        const int callers = 10;

        var responses = await Task.WhenAll(Enumerable.Range(0, callers).Select(i =>
            http.PostRawAsync("threads", $$"""{"external_id":"{{externalId}}","messages":[{"role":"user","content":"c{{i}}"}]}""")));

        var ids = responses.Select(r => (string)r.AssertOk()["id"]!).Distinct().ToList();
        var thread = Assert.Single(ids);
        var messages = await http.GetOkAsync($"threads/{thread}/messages?limit=100");
        Assert.Equal(Enumerable.Range(0, callers).Select(i => $"c{i}").Order(),
            messages["data"]!.AsArray().Select(m => (string)m!["content"]![0]!["text"]!["value"]!).Order());
    }

    [Fact]
    public async Task AnExternalIdOf256CharactersIsAcceptedAnd257IsNot()
    {
        using var http = server.CreateHttpClient();
        var longest = Guid.NewGuid().ToString("N") + new string('x', 256 - 32);

        var ok = (await http.PostRawAsync("threads", $$"""{"external_id":"{{longest}}"}""")).AssertOk();
        var tooLong = await http.PostRawAsync("threads", $$"""{"external_id":"{{longest}}y"}""");
        var tooLongInCreateAndRun = await http.PostRawAsync("threads/runs",
            $$$"""{"assistant_id":"asst_whatever","thread":{"external_id":"{{{longest}}}y"}}""");

        Assert.Equal(longest, (string?)ok["external_id"]);
        tooLong.AssertError(400, param: "external_id");
        tooLongInCreateAndRun.AssertError(400, param: "thread.external_id");
    }

    [Theory]
    [InlineData("""{"external_id":""}""")]
    [InlineData("""{"external_id":5}""")]
    public async Task AnEmptyOrMistypedExternalIdIsRefused(string body)
    {
        using var http = server.CreateHttpClient();

        (await http.PostRawAsync("threads", body)).AssertError(400, param: "external_id");
    }

    [Fact]
    public async Task AThreadWithoutExternalIdHasItNull()
    {
        using var http = server.CreateHttpClient();

        var thread = await http.PostOkAsync("threads", "{}");

        Assert.True(thread.ContainsKey("external_id"));
        Assert.Null(thread["external_id"]);
    }
}
