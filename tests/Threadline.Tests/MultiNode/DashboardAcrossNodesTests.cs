using Threadline.Tests.Dashboard;
using Threadline.Tests.Infrastructure;
using Threadline.Tests.Queue;
using Threadline.Tests.Streaming;
using Xunit;

namespace Threadline.Tests.MultiNode;

/// <summary>
/// The dashboard of one node shows and acts on the work of another: node A executes every run (B's
/// queue is off), an operator signed in on A is signed in on B, B's page hears of A's writes, follows
/// A's run live, and cancels it.
/// </summary>
public sealed class DashboardAcrossNodesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(45);

    [PostgresFact]
    public async Task A_page_on_one_node_follows_and_cancels_a_run_executing_on_another()
    {
        var data = ThreadlineServer.CreateDataDirectory();
        try
        {
            await using var executing = await ThreadlineServer.StartAsync(new ThreadlineServerOptions { DataDirectory = data, Arguments = AdminKeyServer.Keys() });
            await using var watching = await ThreadlineServer.StartAsync(new ThreadlineServerOptions
            {
                DataDirectory = data,
                Arguments = new Dictionary<string, string>(AdminKeyServer.Keys()) { ["Threadline:Queue:Enabled"] = "false" },
            });
            using var timeout = new CancellationTokenSource(Limit);
            using var onA = new DashboardClient(executing);
            await onA.SignInAsync(AdminKeyServer.AdminKey);
            var cookie = onA.Cookies.GetCookies(new Uri(executing.BaseUrl, "dashboard/"))["threadline_dashboard"]!;
            var jar = new System.Net.CookieContainer();
            jar.Add(watching.BaseUrl, new System.Net.Cookie(cookie.Name, cookie.Value, "/dashboard"));
            using var onB = new DashboardClient(watching, jar);
            await onB.SessionAsync();

            using var changes = await onB.Http.GetAsync("dashboard/api/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await using var changeFrames = Sse.ReadAsync(await changes.Content.ReadAsStreamAsync(timeout.Token), timeout.Token).GetAsyncEnumerator(timeout.Token);
            Assert.True(await changeFrames.MoveNextAsync()); // the one on connecting

            using var api = QueueApi.NewClient(executing);
            api.DefaultRequestHeaders.Authorization = new("Bearer", AdminKeyServer.ApiKey);
            var assistant = await QueueApi.CreateAssistantAsync(api, "echo:40000");
            var thread = await QueueApi.CreateThreadWithMessageAsync(api, string.Join(' ', Enumerable.Repeat("word", 200)));
            var run = (await QueueApi.CreateRunAsync(api, thread, QueueApi.RunBody(assistant))).AssertOk();
            var runId = (string)run["id"]!;

            Assert.True(await changeFrames.MoveNextAsync());
            Assert.Equal("change", changeFrames.Current.Event); // A's write, heard on B

            // B's run page follows A's execution: text arrives while it runs.
            using var events = await onB.Http.GetAsync($"dashboard/api/runs/{runId}/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var frames = new List<SseFrame>();
            await using (var reader = Sse.ReadAsync(await events.Content.ReadAsStreamAsync(timeout.Token), timeout.Token).GetAsyncEnumerator(timeout.Token))
            {
                while (frames.Count(f => f.Event == "text") < 3 && await reader.MoveNextAsync())
                    frames.Add(reader.Current);
            }
            Assert.Contains(frames, f => f.Event == "status" && (string?)f.Json["status"] == "in_progress");
            Assert.True(frames.Count(f => f.Event == "text") == 3, string.Join("\n", frames));

            var cancelled = (await onB.PostAsync($"dashboard/api/runs/{runId}/cancel")).AssertOk();
            Assert.Contains((string?)cancelled["status"], new[] { "cancelling", "cancelled" });
            var ended = await QueueApi.WaitForTerminalAsync(api, thread, runId, Limit);
            Assert.Equal("cancelled", (string?)ended["status"]);
            Assert.Contains(watching.LogLines, l => l.Contains("Dashboard: cancel run " + runId, StringComparison.Ordinal));
        }
        finally
        {
            TestStorage.Drop(data);
            Directory.Delete(data, recursive: true);
        }
    }
}
