using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Webhooks;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Hosting;

/// <summary>
/// An idle server costs nothing: every background loop sleeps until its next deadline or a signal
/// (the product target is 1% of a core; the bound here is 5%). Measured on the server process itself,
/// from its utime + stime in /proc, so other load on the machine does not count. Idle means both a fresh
/// server and one that holds work that waits: a webhook delivery whose retry is due soon, a debounced run
/// and a run waiting for tool outputs. Each has a deadline far enough away that nothing should spin.
/// </summary>
public sealed class IdleCpuTests(ITestOutputHelper output)
{
    private const double MaxPercentOfOneCore = 5;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    // Just after start-up (or after work) the runtime still recompiles hot methods at a higher tier and a failing
    // delivery logs its exceptions: a server passes once one whole window stays under the bound. (With the
    // dispatcher's busy loop removed, the windows measured about 10% then 3% for a fresh server, and 33%, 5%,
    // then 2% for the one holding work.)
    private const int MaxWindows = 4;

    [Fact]
    public async Task A_fresh_server_that_has_answered_readyz_uses_almost_no_cpu()
    {
        await using var server = await ThreadlineServer.StartAsync();
        using var http = server.CreateHttpClient();
        var ready = await http.GetRawAsync("/readyz");
        Assert.True(ready.StatusCode == 200, $"/readyz answered {ready.StatusCode}: {ready.Describe()}");

        await AssertIdleAsync(server, "a fresh server");
    }

    [Fact]
    public async Task A_server_holding_a_failing_delivery_a_debounced_run_and_a_run_waiting_for_tool_outputs_uses_almost_no_cpu()
    {
        // Retries soon and then further apart, so the delivery is still pending (and failing) while the CPU is measured.
        var arguments = new Dictionary<string, string>();
        string[] schedule = ["00:00:01", "00:00:02", "00:00:04", "00:00:08", "00:00:16", "00:01:00"];
        for (var i = 0; i < schedule.Length; i++)
            arguments[$"Threadline:Webhooks:RetrySchedule:{i}"] = schedule[i];
        await using var server = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { Arguments = arguments });
        using var http = server.CreateHttpClient();
        var assistantId = (string)(await http.PostOkAsync("assistants",
            """{"model":"echo","tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}]}"""))["id"]!;

        // :: A webhook endpoint on a loopback port nothing listens on, and an event for it: a delivery that keeps failing.
        var endpoint = await WebhookApi.CreateEndpointAsync(http, new Uri($"http://127.0.0.1:{UnusedLoopbackPort()}/hooks"), "thread.run.completed");
        await WebhookApi.CompletedRunAsync(http, assistantId, "hello");
        await WebhookApi.WaitForDeliveryAsync(http, WebhookApi.Id(endpoint),
            d => (string?)d["status"] == "pending" && (int?)d["attempts"] >= 1, "pending after a failed attempt");

        // :: A debounced run whose quiet period (and max wait) lasts ten minutes.
        var debouncedThread = await QueueApi.CreateThreadWithMessageAsync(http, "wait for me");
        var debounced = await http.PostOkAsync($"threads/{debouncedThread}/runs",
            JsonSerializer.Serialize(new { assistant_id = assistantId, debounce_ms = 600_000, max_wait_ms = 600_000 }));
        Assert.Equal("queued", (string?)debounced["status"]);

        // :: A run waiting for the output of a function call.
        var toolThread = await QueueApi.CreateThreadWithMessageAsync(http, "call:lookup {}");
        var toolRun = await http.PostOkAsync($"threads/{toolThread}/runs", JsonSerializer.Serialize(new { assistant_id = assistantId }));
        await RunWaiter.UntilAsync(http, toolThread, (string)toolRun["id"]!, r => (string?)r["status"] == "requires_action", "requires_action");

        await AssertIdleAsync(server, "a server holding a failing delivery, a debounced run and a run in requires_action");

        // Everything the server holds still waits: the measurement was of the state it was meant to be.
        Assert.Equal("queued", (string?)(await http.GetOkAsync($"threads/{debouncedThread}/runs/{(string)debounced["id"]!}"))["status"]);
        Assert.Equal("requires_action", (string?)(await http.GetOkAsync($"threads/{toolThread}/runs/{(string)toolRun["id"]!}"))["status"]);
    }

    private async Task AssertIdleAsync(ThreadlineServer server, string what)
    {
        var readings = new List<double>();
        for (var i = 0; i < MaxWindows; i++)
        {
            var percent = await ProcessCpu.PercentOfOneCoreAsync(server.ProcessId, Window);
            readings.Add(percent);
            output.WriteLine($"{what}: {percent.ToString("F1", CultureInfo.InvariantCulture)}% of one core over {Window.TotalSeconds:F0} s");
            if (percent <= MaxPercentOfOneCore)
                return;
        }

        var list = string.Join(", ", readings.Select(p => p.ToString("F1", CultureInfo.InvariantCulture) + "%"));
        Assert.Fail($"{what} used {readings.Min().ToString("F1", CultureInfo.InvariantCulture)}% of one core at best while idle " +
            $"(each of {MaxWindows} windows of {Window.TotalSeconds:F0} s: {list}); the bound is {MaxPercentOfOneCore}%, the product target 1%.\n{server.FormatLog(40)}");
    }

    /// <summary>A loopback port that was free a moment ago: connecting to it is refused at once.</summary>
    private static int UnusedLoopbackPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
