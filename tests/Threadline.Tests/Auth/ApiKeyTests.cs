using System.ClientModel;
using System.Net;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Auth;

/// <summary>A server with two keys, each for its own project.</summary>
public sealed class TwoProjectServer : IAsyncLifetime
{
    public const string KeyA = "key-a";
    public const string KeyB = "key-b";

    internal ThreadlineServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
    {
        Arguments = new Dictionary<string, string>
        {
            ["Threadline:ApiKeys:0:Key"] = KeyA,
            ["Threadline:ApiKeys:0:Project"] = "pa",
            ["Threadline:ApiKeys:1:Key"] = KeyB,
            ["Threadline:ApiKeys:1:Project"] = "pb",
        },
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Bearer keys: none or a wrong one is a 401; a key sees only its own project's objects.</summary>
public sealed class ApiKeyTests(TwoProjectServer fixture) : IClassFixture<TwoProjectServer>
{
    private ThreadlineServer Server => fixture.Server;

    [Fact]
    public async Task TheServerSaysAuthIsOn()
    {
        var line = await Server.WaitForLogLineAsync(l => l.Contains("Auth is on", StringComparison.Ordinal), TimeSpan.FromSeconds(5));

        Assert.Contains("2 API key(s) for 2 project(s)", line);
        Assert.DoesNotContain(Server.LogLines, l => l.Contains(TwoProjectServer.KeyA, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET", "assistants")]
    [InlineData("POST", "assistants")]
    [InlineData("GET", "threads/thread_x")]
    [InlineData("POST", "threads/runs")]
    [InlineData("GET", "nope")]
    public async Task NoKeyIs401(string method, string path)
    {
        using var http = Server.CreateHttpClient();

        var response = await http.SendRawAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("""{"model":"echo"}""", System.Text.Encoding.UTF8, "application/json") : null,
        });

        var error = response.AssertError(401);
        Assert.Contains("You didn't provide an API key", (string?)error["message"]);
    }

    [Theory]
    [InlineData("Bearer sk-this-key-is-wrong-1234")]
    [InlineData("Bearer key-a-but-longer")]
    [InlineData("Bearer KEY-A")]
    [InlineData("Bearer key-")]
    public async Task AWrongKeyIs401WithoutEchoingTheKey(string authorization)
    {
        using var http = Server.CreateHttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "assistants");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await http.SendRawAsync(request);

        var error = response.AssertError(401);
        Assert.Equal("invalid_api_key", (string?)error["code"]);
        var key = authorization["Bearer ".Length..];
        if (key.Length > 8)
            Assert.DoesNotContain(key, (string?)error["message"]);
    }

    [Theory]
    [InlineData("Basic a2V5LWE6")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("key-a")]
    public async Task AnAuthorizationHeaderThatIsNotABearerKeyIs401(string authorization)
    {
        using var http = Server.CreateHttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "assistants");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await http.SendRawAsync(request);

        response.AssertError(401);
    }

    [Fact]
    public async Task TheSdkWithAWrongKeyGetsA401()
    {
        var client = Server.CreateAssistantClient("not-a-key");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateAssistantAsync("echo"));

        Assert.Equal(401, error.Status);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthProbesNeedNoKey(string path)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnotherProjectsThreadIsNotFound()
    {
        using var a = Server.CreateHttpClient(TwoProjectServer.KeyA);
        using var b = Server.CreateHttpClient(TwoProjectServer.KeyB);
        var s = await Scenario.CompletedRunAsync(a, "secret of A");
        var assistantB = (string)(await b.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;
        var threadB = (string)(await b.PostOkAsync("threads", "{}"))["id"]!;
        var noThread = $"No thread found with id '{s.ThreadId}'.";

        (await b.GetRawAsync($"threads/{s.ThreadId}")).AssertError(404, noThread);
        (await b.PostRawAsync($"threads/{s.ThreadId}", """{"metadata":{"x":"y"}}""")).AssertError(404, noThread);
        (await b.GetRawAsync($"threads/{s.ThreadId}/messages")).AssertError(404, noThread);
        (await b.PostRawAsync($"threads/{s.ThreadId}/messages", """{"role":"user","content":"intrusion"}""")).AssertError(404, noThread);
        (await b.GetRawAsync($"threads/{s.ThreadId}/messages/{s.MessageId}")).AssertError(404, noThread);
        (await b.PostRawAsync($"threads/{s.ThreadId}/messages/{s.MessageId}", """{"metadata":{}}""")).AssertError(404, noThread);
        (await b.DeleteRawAsync($"threads/{s.ThreadId}/messages/{s.MessageId}")).AssertError(404, noThread);
        (await b.GetRawAsync($"threads/{s.ThreadId}/runs")).AssertError(404, noThread);
        (await b.GetRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}")).AssertError(404, noThread);
        (await b.PostRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}", """{"metadata":{}}""")).AssertError(404, noThread);
        (await b.PostRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}/cancel", "")).AssertError(404, noThread);
        (await b.GetRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}/steps")).AssertError(404, noThread);
        (await b.GetRawAsync($"threads/{s.ThreadId}/runs/{s.RunId}/steps/{s.StepId}")).AssertError(404, noThread);
        (await b.PostRawAsync($"threads/{s.ThreadId}/runs", $$"""{"assistant_id":"{{assistantB}}"}""")).AssertError(404, noThread);
        (await b.DeleteRawAsync($"threads/{s.ThreadId}")).AssertError(404, noThread);
        // A's assistant is invisible to B, even on B's own thread.
        var noAssistant = $"No assistant found with id '{s.AssistantId}'.";
        (await b.GetRawAsync($"assistants/{s.AssistantId}")).AssertError(404, noAssistant);
        (await b.PostRawAsync($"assistants/{s.AssistantId}", """{"name":"hijacked"}""")).AssertError(404, noAssistant);
        (await b.PostRawAsync($"threads/{threadB}/runs", $$"""{"assistant_id":"{{s.AssistantId}}"}""")).AssertError(404, noAssistant);
        (await b.PostRawAsync("threads/runs", $$"""{"assistant_id":"{{s.AssistantId}}"}""")).AssertError(404, noAssistant);
        (await b.DeleteRawAsync($"assistants/{s.AssistantId}")).AssertError(404, noAssistant);

        // And A still has everything, untouched.
        var thread = await a.GetOkAsync($"threads/{s.ThreadId}");
        Assert.Empty(thread["metadata"]!.AsObject());
        var messages = await a.GetOkAsync($"threads/{s.ThreadId}/messages?order=asc");
        Assert.Equal([s.MessageId, s.ReplyId], messages.Ids());
        Assert.Equal("scenario", (string?)(await a.GetOkAsync($"assistants/{s.AssistantId}"))["name"]);
    }

    [Fact]
    public async Task TheSdkWithAnotherProjectsKeyGets404()
    {
        using var a = Server.CreateHttpClient(TwoProjectServer.KeyA);
        var s = await Scenario.CompletedRunAsync(a);
        var clientB = Server.CreateAssistantClient(TwoProjectServer.KeyB);

        var thread = await Assert.ThrowsAsync<ClientResultException>(() => clientB.GetThreadAsync(s.ThreadId));
        var run = await Assert.ThrowsAsync<ClientResultException>(() => clientB.GetRunAsync(s.ThreadId, s.RunId));
        var assistant = await Assert.ThrowsAsync<ClientResultException>(() => clientB.GetAssistantAsync(s.AssistantId));

        Assert.Equal(404, thread.Status);
        Assert.Equal(404, run.Status);
        Assert.Equal(404, assistant.Status);
        AssistantThread own = await Server.CreateAssistantClient(TwoProjectServer.KeyA).GetThreadAsync(s.ThreadId);
        Assert.Equal(s.ThreadId, own.Id);
    }

    [Fact]
    public async Task ListsDoNotLeakAcrossProjects()
    {
        using var a = Server.CreateHttpClient(TwoProjectServer.KeyA);
        using var b = Server.CreateHttpClient(TwoProjectServer.KeyB);
        var assistantA = (string)(await a.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;
        var threadA = (string)(await a.PostOkAsync("threads", """{"metadata":{"owner":"a"}}"""))["id"]!;
        var assistantB = (string)(await b.PostOkAsync("assistants", """{"model":"echo"}"""))["id"]!;
        var threadB = (string)(await b.PostOkAsync("threads", """{"metadata":{"owner":"b"}}"""))["id"]!;

        var assistantsOfB = await AllIdsAsync(b, "assistants");
        var threadsOfB = await AllIdsAsync(b, "threads");
        var assistantsOfA = await AllIdsAsync(a, "assistants");
        var threadsOfA = await AllIdsAsync(a, "threads");
        var ownerAFromB = await b.GetOkAsync("threads?metadata[owner]=a");

        Assert.Contains(assistantB, assistantsOfB);
        Assert.DoesNotContain(assistantA, assistantsOfB);
        Assert.Contains(threadB, threadsOfB);
        Assert.DoesNotContain(threadA, threadsOfB);
        Assert.Contains(assistantA, assistantsOfA);
        Assert.DoesNotContain(assistantB, assistantsOfA);
        Assert.DoesNotContain(threadB, threadsOfA);
        Assert.Empty(ownerAFromB.Ids());
    }

    /// <summary>A cursor is looked up in the caller's project: another project's id tells nothing, not even that it exists.</summary>
    [Theory]
    [InlineData("assistants", """{"model":"echo"}""", "asst_")]
    [InlineData("threads", "{}", "thread_")]
    [InlineData("webhook_endpoints", """{"url":"https://hooks.example.com/threadline"}""", "we_")]
    [InlineData("threads/{T}/messages", """{"role":"user","content":"x"}""", "msg_")]
    public async Task AnotherProjectsIdAsACursorAnswersLikeAnUnknownId(string path, string body, string prefix)
    {
        using var a = Server.CreateHttpClient(TwoProjectServer.KeyA);
        using var b = Server.CreateHttpClient(TwoProjectServer.KeyB);
        var threadA = (string)(await a.PostOkAsync("threads", "{}"))["id"]!;
        var threadB = (string)(await b.PostOkAsync("threads", "{}"))["id"]!;
        var pathA = path.Replace("{T}", threadA, StringComparison.Ordinal);
        var pathB = path.Replace("{T}", threadB, StringComparison.Ordinal);
        // B's objects on both sides of A's in creation order, so that a cursor that leaks selects some.
        await b.PostOkAsync(pathB, body);
        var ofA = (string)(await a.PostOkAsync(pathA, body))["id"]!;
        await b.PostOkAsync(pathB, body);

        foreach (var cursor in new[] { "after", "before" })
        {
            foreach (var order in new[] { "asc", "desc" })
            {
                var leaked = await b.GetOkAsync($"{pathB}?{cursor}={ofA}&order={order}&limit=100");
                var unknown = await b.GetOkAsync($"{pathB}?{cursor}={prefix}unknown&order={order}&limit=100");
                Assert.True(unknown.Ids().SequenceEqual(leaked.Ids()) && (bool)unknown["has_more"]! == (bool)leaked["has_more"]!,
                    $"{cursor}={ofA}&order={order}: {leaked.ToJsonString()} differs from an unknown cursor's {unknown.ToJsonString()}");
            }
        }
    }

    [Fact]
    public async Task OneExternalIdInTwoProjectsIsTwoThreads()
    {
        using var a = Server.CreateHttpClient(TwoProjectServer.KeyA);
        using var b = Server.CreateHttpClient(TwoProjectServer.KeyB);
        var externalId = "shared-" + Guid.NewGuid().ToString("N");

        var threadA = await a.PostOkAsync("threads", $$"""{"external_id":"{{externalId}}","messages":[{"role":"user","content":"from a"}]}""");
        var threadB = await b.PostOkAsync("threads", $$"""{"external_id":"{{externalId}}","messages":[{"role":"user","content":"from b"}]}""");

        Assert.NotEqual((string?)threadA["id"], (string?)threadB["id"]);
        var messagesA = await a.GetOkAsync($"threads/{threadA["id"]}/messages");
        Assert.Equal("from a", (string?)Assert.Single(messagesA["data"]!.AsArray())!["content"]![0]!["text"]!["value"]);
        Assert.Equal([(string)threadB["id"]!], (await b.GetOkAsync($"threads?external_id={externalId}")).Ids());
    }

    private static async Task<List<string>> AllIdsAsync(HttpClient http, string path) =>
        (await ListWalker.ForwardAsync(http, path, "limit=100")).SelectMany(p => p).ToList();
}
