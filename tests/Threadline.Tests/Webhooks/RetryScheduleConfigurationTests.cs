using Microsoft.Extensions.Configuration;
using Threadline.Tests.Infrastructure;
using Threadline.Webhooks;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// <c>Threadline:Webhooks:RetrySchedule</c> given in configuration is THE schedule: with
/// <c>--Threadline:Webhooks:RetrySchedule:0=00:00:01 --Threadline:Webhooks:RetrySchedule:1=00:00:01</c> a failing
/// delivery is retried after about 1 s, twice, then fails; not after the default 5 s, 30 s, ... with
/// the configured waits appended at the end.
/// </summary>
public sealed class RetryScheduleConfigurationTests
{
    [Fact]
    public async Task A_server_started_with_a_retry_schedule_uses_it_instead_of_the_default()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Default = ReceiverAnswer.Fail(500);
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
        {
            Arguments = new Dictionary<string, string>
            {
                ["Threadline:Webhooks:RetrySchedule:0"] = "00:00:01",
                ["Threadline:Webhooks:RetrySchedule:1"] = "00:00:01",
            },
        });
        using var http = server.CreateHttpClient();
        var endpointId = WebhookApi.Id(await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed"));
        var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
        await WebhookApi.CompletedRunAsync(http, assistantId, "fail me three times");

        var failedOnce = await WebhookApi.WaitForDeliveryAsync(http, endpointId, d => (int)d["attempts"]! >= 1, "attempted");
        var wait = (long)failedOnce["next_attempt_at"]! - (long)failedOnce["last_attempt_at"]!;
        Assert.True(wait <= 2,
            $"With RetrySchedule [1 s, 1 s] the retry should be due about 1 s after the failed attempt; it is due {wait} s after: {failedOnce.ToJsonString()}");

        // Two retries about a second apart, then failed for good: three attempts in about 2-3 s.
        var failed = await WebhookApi.WaitForDeliveryAsync(http, endpointId, d => (string?)d["status"] == "failed", "failed", TimeSpan.FromSeconds(8));
        Assert.Equal(3, (int)failed["attempts"]!);
        Assert.Equal(3, receiver.Received.Count);
    }

    /// <summary>The cause, bound exactly as the server binds its options (<c>GetSection(WebhookOptions.Section).Get&lt;WebhookOptions&gt;()</c>).</summary>
    [Fact]
    public void Binding_a_configured_schedule_replaces_the_default_list()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Threadline:Webhooks:RetrySchedule:0"] = "00:00:02",
            ["Threadline:Webhooks:RetrySchedule:1"] = "00:00:07",
        }).Build();
        var options = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>()!;
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7)], options.RetrySchedule);
    }
}
