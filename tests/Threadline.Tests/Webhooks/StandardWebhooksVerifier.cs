using System.Diagnostics;
using System.Text.Json.Nodes;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Webhooks;

/// <summary>One signature check for the independent verifier.</summary>
internal sealed record VerificationInput(string Secret, string WebhookId, string Timestamp, string Signature, byte[] Body, string Label)
{
    public static VerificationInput Of(ReceivedWebhook received, string secret, string? label = null) => new(
        secret, received.Header("webhook-id") ?? "", received.Header("webhook-timestamp") ?? "", received.Header("webhook-signature") ?? "",
        received.Body, label ?? received.ToString());
}

internal sealed record VerificationResult(VerificationInput Input, bool Ok, string? Error)
{
    public override string ToString() => $"{(Ok ? "ok" : "FAILED: " + Error)} <- {Input.Label}";
}

/// <summary>
/// Checks signatures with the reference Standard Webhooks library (npm <c>standardwebhooks</c>), not with
/// anything of Threadline's: runs <c>node tests/webhook-verifier/verify.mjs</c>, one JSON line per check.
/// </summary>
internal static class StandardWebhooksVerifier
{
    public static string PackageDirectory => Path.Combine(RepositoryLayout.Root, "tests", "webhook-verifier");

    public static async Task<IReadOnlyList<VerificationResult>> VerifyAsync(IReadOnlyList<VerificationInput> inputs)
    {
        var library = Path.Combine(PackageDirectory, "node_modules", "standardwebhooks", "package.json");
        if (!File.Exists(library))
            Assert.Fail($"The webhook verifier's dependencies are not installed ({library} is missing): run `npm ci` in tests/webhook-verifier ({PackageDirectory}).");

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = PackageDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(PackageDirectory, "verify.mjs"));
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Assert.Fail($"Could not run `node` for the webhook verifier (is Node.js installed and on PATH?): {e.Message}");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            foreach (var input in inputs)
            {
                var line = new JsonObject
                {
                    ["secret"] = input.Secret,
                    ["headers"] = new JsonObject
                    {
                        ["webhook-id"] = input.WebhookId,
                        ["webhook-timestamp"] = input.Timestamp,
                        ["webhook-signature"] = input.Signature,
                    },
                    ["body_base64"] = Convert.ToBase64String(input.Body),
                };
                await process.StandardInput.WriteLineAsync(line.ToJsonString());
            }
            process.StandardInput.Close();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("node verify.mjs did not finish within 30 s.");
            }

            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
                Assert.Fail($"node verify.mjs exited with {process.ExitCode}: {errors}\n{output}");
            var results = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(results.Length == inputs.Count, $"verify.mjs answered {results.Length} lines for {inputs.Count} inputs:\n{output}\n{errors}");
            return inputs.Select((input, i) =>
            {
                var r = JsonNode.Parse(results[i])!;
                return new VerificationResult(input, (bool)r["ok"]!, (string?)r["error"]);
            }).ToList();
        }
    }

    /// <summary>Asserts that every input verifies.</summary>
    public static async Task AssertAllVerifyAsync(IReadOnlyList<VerificationInput> inputs)
    {
        Assert.NotEmpty(inputs);
        var results = await VerifyAsync(inputs);
        Assert.True(results.All(r => r.Ok), "The standardwebhooks library rejected signatures:\n" + string.Join("\n", results));
    }

    /// <summary>Asserts that no input verifies (each one was tampered with).</summary>
    public static async Task AssertNoneVerifyAsync(IReadOnlyList<VerificationInput> inputs)
    {
        Assert.NotEmpty(inputs);
        var results = await VerifyAsync(inputs);
        Assert.True(results.All(r => !r.Ok), "The standardwebhooks library accepted tampered input:\n" + string.Join("\n", results));
    }
}
