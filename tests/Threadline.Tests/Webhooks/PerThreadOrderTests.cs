using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// Events of one thread reach an endpoint in the order they happened, one at a time: with a slow
/// receiver, the <c>thread.run.completed</c> events of runs queued on a thread arrive in run order,
/// each after the previous event of the thread was answered; an event that failed holds back the
/// later events of its thread (and only of its thread) until it is delivered.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class PerThreadOrderTests(WebhookServerFixture server)
{
    private const int Threads = 2;
    private const int RunsPerThread = 3;

    [Fact]
    public async Task A_slow_receiver_gets_each_threads_events_in_run_order_one_at_a_time()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Default = ReceiverAnswer.Slow(TimeSpan.FromMilliseconds(200));
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, receiver.Url));
        try
        {
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var runs = new Dictionary<string, List<string>>();
            for (var t = 0; t < Threads; t++)
            {
                var threadId = await WebhookApi.CreateThreadAsync(http);
                runs[threadId] = [];
                for (var r = 0; r < RunsPerThread; r++)
                {
                    // Queued behind each other on the thread; each brings its own user message.
                    var run = await http.PostOkAsync($"threads/{threadId}/runs", JsonSerializer.Serialize(new
                    {
                        assistant_id = assistantId,
                        additional_messages = new[] { new { role = "user", content = $"thread {t} run {r}" } },
                    }));
                    runs[threadId].Add(WebhookApi.Id(run));
                }
            }
            foreach (var (threadId, runIds) in runs)
                foreach (var runId in runIds)
                    Assert.Equal("completed", (string?)(await RunWaiter.UntilTerminalAsync(http, threadId, runId))["status"]);

            foreach (var (threadId, runIds) in runs)
            {
                await receiver.WaitForThreadAsync(threadId, "thread.run.completed", RunsPerThread, TimeSpan.FromSeconds(30));
                var got = receiver.ForThread(threadId);
                var trace = string.Join("\n", got);

                // Run order: each run's reply, then the run, run after run.
                var expected = runIds.SelectMany(id => new[] { ("thread.message.completed", id), ("thread.run.completed", id) }).ToList();
                Assert.True(expected.SequenceEqual(got.Select(g => (g.EventType!, g.RunId!))),
                    $"Events of {threadId} out of order; runs in order: {string.Join(", ", runIds)}\n{trace}");

                // One at a time: each request of the thread came after the previous one was answered.
                for (var i = 1; i < got.Count; i++)
                {
                    var previousAnswer = got[i - 1].AnsweredAt;
                    Assert.True(previousAnswer is not null && got[i].ArrivedAt >= previousAnswer,
                        $"Request {got[i].Sequence} of {threadId} arrived before request {got[i - 1].Sequence} was answered\n{trace}");
                }
                Assert.Equal(got.Count, got.Select(g => g.WebhookId).Distinct().Count());
            }
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    [Fact]
    public async Task A_failed_event_holds_back_the_later_events_of_its_thread_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverAnswer.Fail(500));
        await using var h = await DispatcherHarness.StartAsync(new WebhookOptions { RetrySchedule = [TimeSpan.FromSeconds(10)] });
        var endpoint = await h.CreateEndpointAsync(receiver.Url, WebhookEventTypes.RunCompleted);
        var (blocked, firstRun) = await h.CompleteRunAsync(reply: "first");
        var (_, secondRun) = await h.CompleteRunAsync(blocked, reply: "second");

        // The thread's first event fails; its second waits behind it.
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(firstRun, Assert.Single(receiver.Received).RunId);
        Assert.Equal(0, await h.DeliverDueAsync());

        // Another thread is not held back.
        var (other, otherRun) = await h.CompleteRunAsync(reply: "other");
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(otherRun, receiver.Received[^1].RunId);
        Assert.Equal(other, receiver.Received[^1].ThreadId);

        // Once the first event is delivered (on its retry), the second follows.
        h.Clock.Advance(TimeSpan.FromSeconds(13));
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(1, await h.DeliverDueAsync());
        Assert.Equal(0, await h.DeliverDueAsync());
        Assert.Equal([firstRun, secondRun], receiver.ForThread(blocked).Select(r => r.RunId).Distinct());
        Assert.Equal([firstRun, firstRun, secondRun], receiver.ForThread(blocked).Select(r => r.RunId));
        Assert.All(await h.DeliveriesAsync(endpoint.Id), d => Assert.Equal(DeliveryStatus.Succeeded, d.Status));
    }
}
