using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// Several server processes on one data directory share the key ring of the secrets: two servers
/// started at the same moment on a fresh directory make one key between them, so a secret stored
/// through one signs the deliveries of the other.
/// </summary>
public sealed class SharedKeyRingTests
{
    [Fact]
    public async Task A_secret_stored_through_one_server_signs_the_deliveries_of_another_started_with_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var dataDirectory = ThreadlineServer.CreateDataDirectory();
        try
        {
            // Only the second delivers, so the first's secret must be readable with the second's keys.
            var starting = new[]
            {
                ThreadlineServer.StartAsync(new ThreadlineServerOptions
                {
                    DataDirectory = dataDirectory,
                    Arguments = new Dictionary<string, string> { ["Threadline:Webhooks:DispatcherEnabled"] = "false" },
                }),
                ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = dataDirectory }),
            };
            ThreadlineServer[] servers;
            try
            {
                servers = await Task.WhenAll(starting);
            }
            catch
            {
                foreach (var started in starting.Where(s => s.IsCompletedSuccessfully))
                    await (await started).DisposeAsync();
                throw;
            }
            await using var storing = servers[0];
            await using var delivering = servers[1];

            using var http = storing.CreateHttpClient();
            var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed");
            var (stored, _) = await SecretsAtRestTests.StoredSecretsAsync(dataDirectory, WebhookApi.Id(endpoint));
            Assert.StartsWith("enc:v1:", stored);
            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var (threadId, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "one key ring");

            var got = (await receiver.WaitForThreadAsync(threadId, "thread.run.completed")).Single();
            await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(got, WebhookApi.Secret(endpoint))]);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
