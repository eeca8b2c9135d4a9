using System.Text.RegularExpressions;
using Threadline.Tests.Infrastructure;
using Xunit;

namespace Threadline.Tests.Hosting;

/// <summary>
/// A setting that cannot work stops the server at start-up, with a non-zero exit code and a message that
/// names the setting, before it listens: better than a server that starts and then fails at the first use
/// (a webhook endpoint allowed no deliveries at once, or attempts that time out at once, never deliver).
/// </summary>
public sealed partial class OptionsValidationTests
{
    public static TheoryData<string, string> InvalidSettings => new()
    {
        { "Threadline:Webhooks:MaxConcurrentPerEndpoint", "0" },
        { "Threadline:Webhooks:MaxConcurrentPerEndpoint", "-1" },
        { "Threadline:Webhooks:Timeout", "00:00:00" },
        // Already refused today: shows the way a refusal looks to the harness.
        { "Threadline:Queue:MaxConcurrentRuns", "0" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task An_invalid_setting_makes_the_server_exit_non_zero_before_listening_and_name_the_setting(string key, string value)
    {
        ThreadlineServer? started = null;
        InvalidOperationException? refused = null;
        try
        {
            started = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                Arguments = new Dictionary<string, string> { [key] = value },
            });
        }
        catch (InvalidOperationException e)
        {
            refused = e;
        }

        if (started is not null)
        {
            var log = started.FormatLog(40);
            await started.DisposeAsync();
            Assert.Fail($"The server started with {key}={value} (it listened at {started.BaseUrl}):\n{log}");
        }

        var exit = ExitLine().Match(refused!.Message);
        Assert.True(exit.Success, $"Not an exit before listening: {refused.Message}");
        Assert.NotEqual("0", exit.Groups["code"].Value);
        var name = key[(key.LastIndexOf(':') + 1)..];
        Assert.True(refused.Message.Contains(name, StringComparison.Ordinal), $"The output does not name {name}:\n{refused.Message}");
    }

    [GeneratedRegex(@"exited with code (?<code>-?\d+) before listening")]
    private static partial Regex ExitLine();
}
