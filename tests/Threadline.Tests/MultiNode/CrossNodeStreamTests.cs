using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// A run streamed through a node that does not execute it: node B executes nothing (its queue is
/// off), so node A runs every run, and B's stream must follow A's execution live. Two runs of the
/// same echo assistant on two threads with the same message, one streamed through A and one
/// through B, give the same stream, frame for frame and every per-token delta, once their ids and
/// times are set aside. (Without the relay, B's stream would be rebuilt from the database when the
/// run settles: one delta with the whole text.)
/// </summary>
public sealed partial class CrossNodeStreamTests(ITestOutputHelper output)
{
    private const string Text = "one two three four five six seven eight nine ten eleven twelve";

    [PostgresFact]
    public Task A_stream_read_through_another_node_carries_every_event_and_delta_of_the_executing_nodes_stream() =>
        AssertSameStreamsAsync("echo:30");

    /// <summary>
    /// A run that ends before the other node's stream sees it start (the instant echo model; in CI a
    /// loaded machine did it to echo:30 too): that stream asked for nothing while the run was in
    /// progress, found it completed, and was rebuilt from the database, one delta instead of four. The
    /// executing node keeps the log a while for such a late reader, and the stream asks for it first.
    /// </summary>
    [PostgresFact]
    public Task A_stream_through_another_node_that_finds_the_run_ended_already_still_carries_every_delta() =>
        AssertSameStreamsAsync("echo");

    private async Task AssertSameStreamsAsync(string model)
    {
        var data = ThreadlineServer.CreateDataDirectory();
        try
        {
            await using var executing = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = data });
            await using var relaying = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                DataDirectory = data,
                Arguments = new Dictionary<string, string> { ["Threadline:Queue:Enabled"] = "false" },
            });
            using var onA = QueueApi.NewClient(executing);
            using var onB = QueueApi.NewClient(relaying);
            var assistant = await QueueApi.CreateAssistantAsync(onA, model);

            var local = await StreamAsync(onA, assistant);
            var relayed = await StreamAsync(onB, assistant);

            var deltas = Sse.ParseStrict(local).Count(f => f.Event == "thread.message.delta");
            output.WriteLine($"{Sse.ParseStrict(local).Count} frames, {deltas} deltas through the executing node; " +
                $"{Sse.ParseStrict(relayed).Count(f => f.Event == "thread.message.delta")} deltas through the other");
            Assert.True(deltas > 3, $"the echo reply came in {deltas} deltas: too few to tell a live stream from a rebuilt one");
            Assert.Equal(Normalized(local), Normalized(relayed));

            // The other node's run was executed by the executing node: B took nothing.
            var runs = await QueueApi.GetOkAsync(onB, $"/v1/threads/{FirstId(relayed, "thread.run.created")}/runs");
            Assert.All(runs["data"]!.AsArray(), r => Assert.Equal("completed", r!["status"]!.GetValue<string>()));
        }
        finally
        {
            TestStorage.Drop(data);
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<string> StreamAsync(HttpClient http, string assistant)
    {
        var thread = await QueueApi.CreateThreadWithMessageAsync(http, Text);
        var (response, body) = await Sse.PostAndReadAllAsync(http, $"/v1/threads/{thread}/runs",
            new JsonObject { ["assistant_id"] = assistant, ["stream"] = true }.ToJsonString(), TimeSpan.FromSeconds(30));
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body}");
        Assert.EndsWith(Sse.Done, body);
        return body;
    }

    private static string FirstId(string body, string eventName) =>
        Sse.ParseStrict(body).First(f => f.Event == eventName).Json["thread_id"]!.GetValue<string>();

    /// <summary>The stream with each id replaced by its order of appearance and every time by 0.</summary>
    private static string Normalized(string body)
    {
        var ids = new Dictionary<string, string>();
        var text = Id().Replace(body, m =>
        {
            if (!ids.TryGetValue(m.Value, out var name))
                ids[m.Value] = name = $"{m.Groups[1].Value}_{ids.Count}";
            return name;
        });
        return Time().Replace(text, "\"$1\":0");
    }

    [GeneratedRegex(@"\b(run|msg|step|thread|asst|call)_[A-Za-z0-9]{8,}")]
    private static partial Regex Id();

    [GeneratedRegex(@"""([a-z_]*_at(?:_ms)?)"":\d+")]
    private static partial Regex Time();
}
