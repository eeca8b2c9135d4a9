using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Xunit;

namespace Threadline.Tests.Responses;

/// <summary>
/// I3 and I5 for conversations: a server is SIGKILLed while a response runs on each conversation and two more
/// wait behind it. Restarted on the same data directory it has every acknowledged response, takes the orphaned
/// ones over once their leases lapse (one that had begun its reply fails with <c>server_error</c>, one that had
/// not starts again), and the queued ones then complete in order, each answering its own input.
/// </summary>
public sealed class ResponseCrashTests
{
    private const int Conversations = 4;

    [Fact]
    public async Task After_a_kill_the_restarted_server_takes_the_responses_over_and_each_queued_one_answers_its_own_input()
    {
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        var options = new ThreadlineServerOptions
        {
            DataDirectory = dataDirectory,
            Arguments = new Dictionary<string, string> { ["Threadline:Queue:LeaseTimeout"] = "00:00:03" },
        };
        try
        {
            var made = new List<(string Conversation, string Response, string Input)>();
            var crashed = await ThreadlineServer.StartAsync(options);
            try
            {
                using var http = QueueApi.NewClient(crashed);
                // First the conversations whose response must have begun its reply at the kill (echo:6000 writes
                // after 1.5 s), then those whose response has just started (echo:4000 writes after 1 s): killed at once.
                foreach (var (talking, model) in new[] { (true, "echo:6000"), (false, "echo:4000") })
                {
                    var heads = new List<string>();
                    for (var c = talking ? 0 : 1; c < Conversations; c += 2)
                    {
                        var conversation = QueueApi.Id(await QueueApi.PostOkAsync(http, "conversations", new JsonObject()));
                        foreach (var (input, m) in new[] { ($"c{c} first", model), ($"c{c} second", "echo"), ($"c{c} third", "echo") })
                        {
                            var response = QueueApi.Id(await QueueApi.PostOkAsync(http, "responses",
                                new JsonObject { ["model"] = m, ["input"] = input, ["conversation"] = conversation, ["background"] = true }));
                            made.Add((conversation, response, input));
                            if (m == model)
                                heads.Add(response);
                        }
                    }
                    foreach (var head in heads)
                        await Polling.UntilAsync(async () =>
                        {
                            var r = await QueueApi.GetOkAsync(http, $"responses/{head}");
                            return talking ? r["output"]!.AsArray().Count > 0 : (string?)r["status"] == "in_progress";
                        }, TimeSpan.FromSeconds(15), $"response {head} to {(talking ? "begin its reply" : "start")}");
                }
                crashed.Kill();
            }
            finally
            {
                await crashed.DisposeAsync();
            }

            await using var restarted = await ThreadlineServer.StartAsync(options);
            using var api = QueueApi.NewClient(restarted);
            var ended = new Dictionary<string, JsonObject>();
            foreach (var (_, response, _) in made)
            {
                await Polling.UntilAsync(async () =>
                {
                    var r = await QueueApi.GetOkAsync(api, $"responses/{response}");
                    ended[response] = r;
                    return (string?)r["status"] is "completed" or "failed" or "cancelled" or "incomplete";
                }, TimeSpan.FromSeconds(30), $"response {response} to end after the restart");
            }

            foreach (var group in made.GroupBy(m => m.Conversation))
            {
                var (first, second, third) = (group.ElementAt(0), group.ElementAt(1), group.ElementAt(2));
                var head = ended[first.Response];
                if ((string?)head["status"] == "failed")
                    Assert.Equal("server_error", (string?)head["error"]?["code"]);
                else
                    Assert.Equal(("completed", first.Input), ((string?)head["status"], OutputText(head)));
                foreach (var queued in new[] { second, third })
                    Assert.Equal(("completed", queued.Input), ((string?)ended[queued.Response]["status"], OutputText(ended[queued.Response])));

                // The conversation: each queued input followed by its own answer; nothing stuck behind them.
                var items = (await QueueApi.ListAllAsync(api, $"conversations/{group.Key}/items")).Select(Text).ToList();
                foreach (var queued in new[] { second, third })
                {
                    var at = items.IndexOf($"user:{queued.Input}");
                    Assert.True(at >= 0 && at + 1 < items.Count && items[at + 1] == $"assistant:{queued.Input}", string.Join(" | ", items));
                }
                var after = await QueueApi.PostOkAsync(api, "responses", new JsonObject { ["model"] = "echo", ["input"] = "after", ["conversation"] = group.Key });
                Assert.Equal("after", OutputText(after));
            }
            // A response that had begun its reply and one that had not were both taken over.
            Assert.Contains(made.Where((_, i) => i % 3 == 0), m => (string?)ended[m.Response]["status"] == "failed");
            Assert.Contains(made.Where((_, i) => i % 3 == 0), m => (string?)ended[m.Response]["status"] == "completed");
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static string OutputText(JsonObject response) => string.Concat(response["output"]!.AsArray()
        .Where(i => (string?)i!["type"] == "message").SelectMany(i => i!["content"]!.AsArray()).Select(p => (string?)p!["text"]));

    private static string Text(JsonObject item) => (string?)item["type"] == "message"
        ? $"{item["role"]}:{string.Concat(item["content"]!.AsArray().Select(p => (string?)p!["text"]))}"
        : (string)item["type"]!;
}
