using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// Responses on one conversation through a node that executes nothing (its queue is off): node A runs
/// every response, while clients on B wait for theirs (<c>POST /v1/responses</c> answers when its own
/// is done), then stream one. Every response completes in turn, each reply right after the input it
/// answered, and B's stream carries every per-token delta of A's execution (relayed as A's Assistants
/// frames and turned back into events for the Responses projection).
/// </summary>
public sealed class ResponsesAcrossNodesTests
{
    [PostgresFact]
    public async Task Responses_waited_for_and_streamed_through_another_node_complete_in_turn_with_every_delta()
    {
        var data = ThreadlineServer.CreateDataDirectory();
        try
        {
            await using var executing = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = data });
            await using var waiting = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                DataDirectory = data,
                Arguments = new Dictionary<string, string> { ["Threadline:Queue:Enabled"] = "false" },
            });
            using var onA = QueueApi.NewClient(executing, TimeSpan.FromSeconds(60));
            using var onB = QueueApi.NewClient(waiting, TimeSpan.FromSeconds(60));
            var conversation = (string)(await QueueApi.PostOkAsync(onA, "/v1/conversations", new JsonObject()))["id"]!;

            const int waiters = 5;
            var answers = Enumerable.Range(0, waiters).Select(i => QueueApi.PostOkAsync(onB, "/v1/responses",
                new JsonObject { ["model"] = "echo:30", ["input"] = $"message {i}", ["conversation"] = conversation })).ToList();
            foreach (var answer in await Task.WhenAll(answers))
                Assert.Equal("completed", (string?)answer["status"]);
            // Then one streamed through B (after the others, so that its echo has text of its own to send).
            var (response, body) = await Sse.PostAndReadAllAsync(onB, "/v1/responses", new JsonObject
            {
                ["model"] = "echo:30", ["input"] = "one two three four five six seven eight nine ten", ["conversation"] = conversation, ["stream"] = true,
            }.ToJsonString(), TimeSpan.FromSeconds(60));
            Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body}");
            var frames = Sse.ParseStrict(body);
            Assert.Equal("response.completed", frames.Last(f => f.Event != "done").Event);
            Assert.True(frames.Count(f => f.Event == "response.output_text.delta") > 3, body);
            Assert.Equal("one two three four five six seven eight nine ten",
                string.Concat(frames.Where(f => f.Event == "response.output_text.delta").Select(f => (string)f.Json["delta"]!)));
            Assert.Equal(Enumerable.Range(0, frames.Count - 1), frames.Where(f => f.Event != "done").Select(f => f.Json["sequence_number"]!.GetValue<int>()));

            // Every input answered once, in turn: each reply echoes the user messages it saw after the reply before it
            // (the first of the waiters may see them all, and the next ones none).
            var items = (await QueueApi.GetOkAsync(onA, $"/v1/conversations/{conversation}/items?order=asc&limit=100"))["data"]!.AsArray()
                .Select(i => ((string)i!["role"]!, (string)i["content"]![0]!["text"]!)).ToList();
            Assert.Equal(waiters + 1, items.Count(i => i.Item1 == "user"));
            Assert.Equal(waiters + 1, items.Count(i => i.Item1 == "assistant"));
            var pending = new List<string>();
            foreach (var (role, text) in items)
            {
                if (role == "user")
                    pending.Add(text);
                else
                {
                    Assert.Equal(string.Join("\n", pending), text);
                    pending.Clear();
                }
            }
        }
        finally
        {
            TestStorage.Drop(data);
            Directory.Delete(data, recursive: true);
        }
    }
}
