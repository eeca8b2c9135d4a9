using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// The outbox is durable: an event committed with its state change is delivered by a server
/// restarted after a SIGKILL, with the same <c>webhook-id</c>, whether the killed server never sent it
/// or had sent it once and recorded a failure. Real server processes on one data directory.
/// </summary>
public sealed class DeliveryAfterCrashTests
{
    [Fact]
    public async Task An_event_committed_but_never_sent_is_delivered_after_a_kill_and_restart_with_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        try
        {
            string endpointId, secret, threadId, runId, eventId;

            // :: A server that records events but does not deliver them (as if it died right after the commit).
            var killed = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                DataDirectory = dataDirectory,
                Arguments = new Dictionary<string, string> { ["Threadline:Webhooks:DispatcherEnabled"] = "false" },
            });
            try
            {
                using var http = killed.CreateHttpClient();
                var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed");
                endpointId = WebhookApi.Id(endpoint);
                secret = WebhookApi.Secret(endpoint);
                var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
                (threadId, runId) = await WebhookApi.CompletedRunAsync(http, assistantId, "deliver me after the crash");

                var pending = Assert.Single(await WebhookApi.DeliveriesAsync(http, endpointId));
                Assert.Equal("pending", (string?)pending["status"]);
                Assert.Equal(0, (int)pending["attempts"]!);
                Assert.Equal("thread.run.completed", (string?)pending["event_type"]);
                Assert.Equal(threadId, (string?)pending["thread_id"]);
                eventId = (string)pending["event_id"]!;
                Assert.StartsWith("evt_", eventId);
            }
            finally
            {
                killed.Kill();
                await killed.DisposeAsync();
            }
            Assert.Empty(receiver.Received);

            // :: Restarted on the same data, with the dispatcher on: the event goes out, under the recorded id.
            await using var restarted = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory });
            var got = (await receiver.WaitForThreadAsync(threadId, "thread.run.completed")).Single();
            Assert.Equal(eventId, got.WebhookId);
            Assert.Equal(eventId, (string?)got.Json!["id"]);
            Assert.Equal(runId, got.RunId);
            Assert.Equal("completed", (string?)got.Json!["data"]!["run"]!["status"]);
            await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(got, secret)]);

            using var after = restarted.CreateHttpClient();
            var delivered = await WebhookApi.WaitForDeliveryAsync(after, endpointId, d => (string?)d["status"] == "succeeded", "succeeded");
            Assert.Equal(eventId, (string?)delivered["event_id"]);
            Assert.Equal(1, (int)delivered["attempts"]!);
            Assert.Single(receiver.Received);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_retry_recorded_before_a_kill_is_sent_by_the_restarted_server_with_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverAnswer.Fail(500)); // the first attempt fails; later ones succeed
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        // A short schedule (2 s ±20%), long enough to kill the server between the failed attempt and the retry.
        // (While the configured schedule is appended to the default one instead of replacing it, the first
        // wait is the default 5 s: slower, still correct for this test. See RetryScheduleConfigurationTests.)
        var arguments = new Dictionary<string, string>
        {
            ["Threadline:Webhooks:RetrySchedule:0"] = "00:00:02",
            ["Threadline:Webhooks:RetrySchedule:1"] = "00:00:02",
        };
        try
        {
            string endpointId, threadId, eventId;
            long nextAttemptAt;
            DateTimeOffset killedAt;
            var killed = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory, Arguments = arguments });
            try
            {
                using var http = killed.CreateHttpClient();
                endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed"));
                var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
                (threadId, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "fail once, then crash");

                var failedOnce = await WebhookApi.WaitForDeliveryAsync(http, endpointId, d => (int)d["attempts"]! == 1, "attempted once");
                killed.Kill();
                killedAt = DateTimeOffset.UtcNow;
                Assert.Equal("pending", (string?)failedOnce["status"]);
                Assert.Equal(500, (int?)failedOnce["last_status_code"]);
                eventId = (string)failedOnce["event_id"]!;
                nextAttemptAt = (long)failedOnce["next_attempt_at"]!;
            }
            finally
            {
                killed.Kill();
                await killed.DisposeAsync();
            }
            var first = Assert.Single(receiver.Received);
            Assert.Equal(eventId, first.WebhookId);

            // :: Restarted: the retry comes, from the new process, with the same id and body.
            await using var restarted = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory, Arguments = arguments });
            var both = await receiver.WaitForThreadAsync(threadId, "thread.run.completed", count: 2);
            Assert.Equal(2, both.Count);
            var retry = both[1];
            Assert.Equal(eventId, retry.WebhookId);
            Assert.Equal(first.Body, retry.Body);
            Assert.True(retry.ArrivedAt > killedAt, "the retry arrived before the first server was killed");
            Assert.True(retry.ArrivedAt.ToUnixTimeSeconds() >= nextAttemptAt,
                $"the restarted server sent the retry at {retry.ArrivedAt.ToUnixTimeSeconds()}, before its recorded next_attempt_at {nextAttemptAt}");

            using var after = restarted.CreateHttpClient();
            var delivered = await WebhookApi.WaitForDeliveryAsync(after, endpointId, d => (string?)d["status"] == "succeeded", "succeeded");
            Assert.Equal(2, (int)delivered["attempts"]!);
            Assert.Equal(200, (int?)delivered["last_status_code"]);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
