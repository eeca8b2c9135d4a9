using System.ClientModel;
using OpenAI.Assistants;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Assistants;

/// <summary>Every assistant operation through the official .NET SDK against the real server.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class AssistantSdkTests(SharedServerFixture server)
{
    private readonly AssistantClient _client = server.CreateAssistantClient();

    [Fact]
    public async Task CreateReturnsEverySettingAsGiven()
    {
        var options = new AssistantCreationOptions
        {
            Name = "Support bot",
            Description = "Answers questions",
            Instructions = "Be brief.",
            Temperature = 0.5f,
            NucleusSamplingFactor = 0.9f,
            Metadata = { ["team"] = "support", ["tier"] = "1" },
            Tools =
            {
                new FunctionToolDefinition("get_weather")
                {
                    Description = "Weather by city",
                    Parameters = BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""),
                },
                new CodeInterpreterToolDefinition(),
            },
        };

        Assistant created = await _client.CreateAssistantAsync("echo", options);

        Assert.StartsWith("asst_", created.Id);
        Assert.Equal("echo", created.Model);
        Assert.Equal("Support bot", created.Name);
        Assert.Equal("Answers questions", created.Description);
        Assert.Equal("Be brief.", created.Instructions);
        Assert.Equal(0.5f, created.Temperature);
        Assert.Equal(0.9f, created.NucleusSamplingFactor);
        Assert.Equal("support", created.Metadata["team"]);
        Assert.Equal("1", created.Metadata["tier"]);
        Assert.InRange(created.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal(2, created.Tools.Count);
        var function = Assert.IsType<FunctionToolDefinition>(created.Tools[0]);
        Assert.Equal("get_weather", function.FunctionName);
        Assert.Equal("Weather by city", function.Description);
        Assert.Contains("\"city\"", function.Parameters.ToString());
        Assert.IsType<CodeInterpreterToolDefinition>(created.Tools[1]);
    }

    [Fact]
    public async Task GetReturnsTheStoredAssistant()
    {
        Assistant created = await _client.CreateAssistantAsync("echo", new AssistantCreationOptions { Name = "getter", Metadata = { ["k"] = "v" } });

        Assistant fetched = await _client.GetAssistantAsync(created.Id);

        Assert.Equal(created.Id, fetched.Id);
        Assert.Equal("getter", fetched.Name);
        Assert.Equal("echo", fetched.Model);
        Assert.Equal(created.CreatedAt, fetched.CreatedAt);
        Assert.Equal("v", fetched.Metadata["k"]);
    }

    [Fact]
    public async Task ModifyChangesOnlyWhatItSends()
    {
        Assistant created = await _client.CreateAssistantAsync("echo", new AssistantCreationOptions
        {
            Name = "before", Instructions = "keep me", Metadata = { ["a"] = "1" },
        });

        Assistant modified = await _client.ModifyAssistantAsync(created.Id, new AssistantModificationOptions
        {
            Name = "after", Model = "echo:10", Metadata = { ["b"] = "2" },
        });
        Assistant fetched = await _client.GetAssistantAsync(created.Id);

        foreach (var a in new[] { modified, fetched })
        {
            Assert.Equal(created.Id, a.Id);
            Assert.Equal("after", a.Name);
            Assert.Equal("echo:10", a.Model);
            Assert.Equal("keep me", a.Instructions);
            // Metadata is replaced whole, as the hosted API did.
            Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, a.Metadata);
        }
    }

    [Fact]
    public async Task DeleteRemovesTheAssistant()
    {
        Assistant created = await _client.CreateAssistantAsync("echo");

        AssistantDeletionResult deleted = await _client.DeleteAssistantAsync(created.Id);

        Assert.True(deleted.Deleted);
        Assert.Equal(created.Id, deleted.AssistantId);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => _client.GetAssistantAsync(created.Id));
        Assert.Equal(404, error.Status);
        var again = await Assert.ThrowsAsync<ClientResultException>(() => _client.DeleteAssistantAsync(created.Id));
        Assert.Equal(404, again.Status);
    }

    [Fact]
    public async Task ThePageableCollectionWalksSeveralPagesInBothOrders()
    {
        Assistant sentinel = await _client.CreateAssistantAsync("echo", new AssistantCreationOptions { Name = "sentinel" });
        var mine = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            Assistant a = await _client.CreateAssistantAsync("echo", new AssistantCreationOptions { Name = $"paged {i}" });
            mine.Add(a.Id);
        }

        // Ascending after the sentinel: exactly the five, over three pages of two.
        var ascending = _client.GetAssistantsAsync(new AssistantCollectionOptions
        {
            PageSizeLimit = 2, Order = AssistantCollectionOrder.Ascending, AfterId = sentinel.Id,
        });
        var seen = new List<string>();
        await foreach (var a in ascending)
            seen.Add(a.Id);
        Assert.Equal(mine, seen);

        var pages = 0;
        await foreach (var page in ascending.GetRawPagesAsync())
        {
            pages++;
            Assert.Equal(200, page.GetRawResponse().Status);
        }
        Assert.Equal(3, pages);

        // Descending from the newest: the five come first, newest first.
        var descending = new List<string>();
        await foreach (var a in _client.GetAssistantsAsync(new AssistantCollectionOptions { PageSizeLimit = 2, Order = AssistantCollectionOrder.Descending }))
        {
            descending.Add(a.Id);
            if (descending.Count == 6)
                break;
        }
        Assert.Equal(Enumerable.Reverse(mine).Append(sentinel.Id), descending);
    }
}
