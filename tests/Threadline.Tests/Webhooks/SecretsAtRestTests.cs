using System.Text;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>
/// A copy of the database does not give away the endpoints' signing keys: secrets are stored
/// encrypted (<c>enc:v1:</c>, keys in the data directory's key ring), no file of the database holds
/// one in plain text, and deliveries still verify with the reference Standard Webhooks library,
/// before and during a rotation.
/// </summary>
[Collection(WebhookServerCollection.Name)]
public sealed class SecretsAtRestTests(WebhookServerFixture server)
{
    [Fact]
    public async Task Secrets_are_stored_encrypted_and_deliveries_still_verify_before_and_after_a_rotation()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var http = server.CreateHttpClient();
        var endpoint = await WebhookApi.CreateEndpointAsync(http, receiver.Url, "thread.run.completed");
        var endpointId = WebhookApi.Id(endpoint);
        var secret = WebhookApi.Secret(endpoint);
        try
        {
            var dataDirectory = server.Server.DataDirectory;
            var (stored, _) = await StoredSecretsAsync(dataDirectory, endpointId);
            Assert.StartsWith("enc:v1:", stored);
            AssertNoDatabaseFileHolds(dataDirectory, secret);

            var assistantId = await WebhookApi.CreateEchoAssistantAsync(http);
            var (before, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "signed with a stored secret");
            var first = (await receiver.WaitForThreadAsync(before, "thread.run.completed")).Single();
            await StandardWebhooksVerifier.AssertAllVerifyAsync([VerificationInput.Of(first, secret)]);

            var newSecret = WebhookApi.Secret(await http.PostOkAsync($"webhook_endpoints/{endpointId}", """{"rotate_secret":true}"""));
            var (current, previous) = await StoredSecretsAsync(dataDirectory, endpointId);
            Assert.StartsWith("enc:v1:", current);
            Assert.StartsWith("enc:v1:", previous);
            AssertNoDatabaseFileHolds(dataDirectory, secret);
            AssertNoDatabaseFileHolds(dataDirectory, newSecret);

            var (after, _) = await WebhookApi.CompletedRunAsync(http, assistantId, "signed by both");
            var next = (await receiver.WaitForThreadAsync(after, "thread.run.completed")).Single();
            await StandardWebhooksVerifier.AssertAllVerifyAsync(
                [VerificationInput.Of(next, secret, "old secret: " + next), VerificationInput.Of(next, newSecret, "new secret: " + next)]);
        }
        finally
        {
            await WebhookApi.DeleteEndpointQuietlyAsync(http, endpointId);
        }
    }

    internal static async Task<(string Secret, string? Previous)> StoredSecretsAsync(string dataDirectory, string endpointId) =>
        Assert.Single(await ServerDatabase.ReadAsync(dataDirectory,
            $"SELECT secret, previous_secret FROM webhook_endpoints WHERE id = '{endpointId}'",
            r => (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1))));

    /// <summary>The SQLite file and its WAL, byte for byte: also pages SQL no longer reaches.</summary>
    internal static void AssertNoDatabaseFileHolds(string dataDirectory, string secret)
    {
        var needle = Encoding.ASCII.GetBytes(secret[WhsecPrefix.Length..]);
        foreach (var path in Directory.GetFiles(dataDirectory, "threadline.db*"))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            Assert.True(copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(needle) < 0, $"{Path.GetFileName(path)} holds the secret in plain text");
        }
    }

    private const string WhsecPrefix = "whsec_";
}
