using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Postgres;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// 15. The operator's dashboard on a large store (issue 13): the scale scenario's threads and messages plus
/// what the dashboard lists (<see cref="DashboardStore"/>: a run per assistant turn, steps, external ids,
/// metadata, queues, webhook endpoints, events and deliveries), written straight into the SQLite file; then
/// the server with an admin key, one sign-in, and every page's JSON requests (docs/dashboard.md) made one
/// at a time, round-robin over the pages, with ids picked at random over the store. The server's time is
/// read from each answer's <c>Server-Timing: app;dur=</c>. Target: each page's server time p99 under 50 ms
/// (a page that makes two requests: their sum per load).
/// </summary>
internal static partial class DashboardScenario
{
    private const string AdminKey = "bench-dashboard-admin-key";
    private const string ApiKey = "bench-dashboard-api-key";
    private const double TargetMs = 50;
    private const string Api = "dashboard/api/";

    /// <summary>A view of a page: the requests one load of it makes (timed), given the random picks.</summary>
    private sealed record View(string Page, string Name, string[] Labels, Func<Random, CancellationToken, Task<string[]>> Paths)
    {
        public LatencyRecorder[] Server { get; } = Labels.Select(_ => new LatencyRecorder()).ToArray();
        public LatencyRecorder[] Client { get; } = Labels.Select(_ => new LatencyRecorder()).ToArray();
        /// <summary>The server time of a whole load: its requests' times added.</summary>
        public LatencyRecorder Load { get; } = new();
        public int MissingHeader;
        public string? FirstError;
    }

    /// <summary><c>dashboard</c>: on SQLite.</summary>
    public static Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct) => RunOnAsync(ctx, result, Topology.SqliteOneNode, ct);

    /// <summary><c>pg-dashboard</c>: the same on PostgreSQL, one node.</summary>
    public static Task RunPostgresAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct) => RunOnAsync(ctx, result, Topology.PostgresOneNode, ct);

    private static async Task RunOnAsync(BenchContext ctx, ScenarioResult result, Topology topology, CancellationToken ct)
    {
        var o = ctx.Options;
        result.Setup = $"Rows are written straight into the store after the server made its schema (as in scale and pg-scale: SQLite with prepared INSERTs in one " +
            $"transaction, PostgreSQL with binary COPY then ANALYZE), here {topology.Label}: {o.DashboardThreads:N0} threads " +
            $"with {o.DashboardMessages:N0} messages, a run for every assistant turn (each with its `message_creation` step; 92% completed, 4% failed, 2% cancelled, " +
            $"2% incomplete; made round-robin over the threads across the day before the last two hours, {o.DashboardRecentRuns:N0} of them in the last hour), " +
            $"four assistants on four models, an external id on every other thread and metadata on every tenth, a few runs in progress on another node and a few threads " +
            $"with two queued runs eligible in six hours, three webhook endpoints (one disabled) and {o.DashboardDeliveries:N0} events of the latest ended runs with a delivery " +
            $"each (about 97% succeeded, the rest failed, ten pending). Threadline then starts with an admin key and an API key; the harness signs in once " +
            $"(`POST /dashboard/login`) and, with one connection, loads every view below in turn ({o.DashboardWarmup} rounds of warm-up, then {o.DashboardRequests} measured), " +
            "ids picked at random over the store. Server time = the answer's `Server-Timing: app;dur=`; a page's load that makes two requests counts their sum. " +
            "Baselines on the same server, in the same rounds: `GET /dashboard/api/session` (no store read; server time) and `GET /v1/threads/{id}` (client time).";

        var store = await ctx.NewStoreAsync(result.Name, topology, ct);
        await using (var migrate = await Deployment.StartAsync(ctx, topology, store, ["--Threadline:Queue:Enabled=false"], ct))
            await migrate.Nodes[0].StopAsync();
        var db = Path.Combine(store.DataDirectory, "threadline.db");
        var clock = Stopwatch.StartNew();
        var plan = store.PostgresConnection is { } connection
            ? await PostgresSeed.WriteDashboardAsync(connection, o.DashboardThreads, o.DashboardMessages, o.DashboardRecentRuns, o.DashboardDeliveries, ct)
            : await SqliteSeed.WriteDashboardAsync(db, o.DashboardThreads, o.DashboardMessages, o.DashboardRecentRuns, o.DashboardDeliveries, ct);
        var seedSeconds = clock.Elapsed.TotalSeconds;
        double? dbMb = topology.Postgres ? null : new FileInfo(db).Length / 1024.0 / 1024.0;
        ctx.Log($"{topology.Label}: wrote {plan.Threads.Length:N0} threads, {o.DashboardMessages:N0} messages, {plan.EndedRuns:N0} ended runs and {plan.DeliveryCount:N0} deliveries in {seedSeconds:0.0} s");

        await using var deployment = await Deployment.StartAsync(ctx, topology, store, [$"--Threadline:AdminKeys:0={AdminKey}", $"--Threadline:ApiKeys:0:Key={ApiKey}"], ct);
        var server = deployment.Nodes[0];
        using var http = Http.Client(server.BaseUrl);
        var cookie = await SignInAsync(http, ct);
        var views = Views(plan, http, cookie, ct);
        var (session, apiThread) = (views[0], views[1]);

        var measureClock = Stopwatch.StartNew();
        var noise = new MachineLoad();
        var random = new Random(13);
        for (var round = 0; round < o.DashboardWarmup + o.DashboardRequests; round++)
        {
            foreach (var view in views)
                await LoadAsync(http, cookie, view, random, record: round >= o.DashboardWarmup, ct);
        }
        var (_, _, others) = noise.Stop();
        var after = server.Sample();
        ctx.Log($"measured {views.Count} views × {o.DashboardRequests} loads in {measureClock.Elapsed.TotalSeconds:0} s; other processes {others:0.00} cores");

        Report(result, topology.Label, views, session, apiThread, after, o.DashboardMessages);
        result.Detail("store", topology.Label);
        if (topology.Postgres)
            result.Detail("PostgreSQL", (await ctx.PostgresAsync(ct)).Description);
        result.Detail("rows written in (s)", seedSeconds);
        result.Detail("database file (MB)", dbMb);
        result.Detail("rows", $"{plan.Threads.Length:N0} threads, {o.DashboardMessages:N0} messages, {plan.EndedRuns:N0} ended runs and as many steps, " +
            $"{plan.RecentRuns:N0} of them in the last hour, {plan.DeliveryCount:N0} webhook events and deliveries");
        result.Detail("measured window (s)", measureClock.Elapsed.TotalSeconds);
        result.Detail("other processes on the machine during the loads (cores): noise", others);
        result.Detail("RSS after the loads / peak (MB)", $"{after.RssMb:0.0} / {after.PeakRssMb:0.0}");
        result.Warnings(server);
        await server.StopAsync();
        await ctx.DiscardAsync(store);
    }

    /// <summary>Rows for every request (server time, then client time), and a target per page on its worst view.</summary>
    private static void Report(ScenarioResult result, string label, IReadOnlyList<View> views, View session, View apiThread, ProcessSample after, int messages)
    {
        var (serverSystem, clientSystem) = ($"Threadline ({label}), server time", $"Threadline ({label}), client");
        var serverBase = Row(serverSystem, session, 0, session.Server[0]) with { Source = "Server-Timing" };
        var clientBase = Row(clientSystem, apiThread, 0, apiThread.Client[0], after);
        foreach (var view in views)
        {
            for (var i = 0; i < view.Labels.Length; i++)
            {
                if (view.Server[i].Count > 0)
                    result.Row(view == session ? serverBase : (Row(serverSystem, view, i, view.Server[i]) with { Source = "Server-Timing" }).ComparedTo(serverBase));
            }
        }
        foreach (var view in views)
        {
            for (var i = 0; i < view.Labels.Length; i++)
                result.Row(view == apiThread ? clientBase : Row(clientSystem, view, i, view.Client[i]).ComparedTo(clientBase));
        }
        foreach (var view in views.Where(v => v.MissingHeader > 0))
            result.Detail($"{view.Name}: answers without Server-Timing (client time counted instead)", view.MissingHeader);
        foreach (var view in views.Where(v => v.FirstError is not null))
            result.Detail($"{view.Name}: first error", view.FirstError);

        foreach (var page in views.Where(v => v.Page != "baseline").GroupBy(v => v.Page))
        {
            var loads = page.Select(v => (View: v, Stats: v.Load.Stats())).ToList();
            foreach (var (view, stats) in loads)
                result.Chart($"{view.Name}, server time per load", stats.Cdf());
            var worst = loads.Where(l => l.Stats.Count > 0).OrderByDescending(l => l.Stats.P99).FirstOrDefault();
            var errors = page.Sum(v => v.Server.Sum(s => s.Errors));
            var each = string.Join("; ", loads.Select(l => $"{l.View.Name} {Format.Ms(l.Stats.P50)} / {Format.Ms(l.Stats.P99)}"));
            result.Target($"{page.Key} page: server time p99 < {TargetMs:0} ms at {messages:N0} messages ({label})", $"< {TargetMs:0} ms",
                worst.View is null ? $"not measured: {errors} errors (first: {page.Select(v => v.FirstError).FirstOrDefault(e => e is not null)})"
                    : $"worst {worst.View.Name}: p99 {Format.Ms(worst.Stats.P99)} ms (p50 {Format.Ms(worst.Stats.P50)}); each view p50 / p99: {each}{(errors > 0 ? $"; {errors} errors" : "")}",
                worst.View is null ? null : worst.Stats.P99 < TargetMs && errors == 0);
        }
    }

    private static ResultRow Row(string system, View view, int request, LatencyRecorder recorder, ProcessSample? server = null) =>
        ResultRow.From(system, $"{view.Page}: {view.Labels[request]}", recorder.Stats(), recorder.Errors, null, server);

    /// <summary>The views, baselines first: the session (no store read) and the API's thread get.</summary>
    private static List<View> Views(DashboardStore plan, HttpClient http, string cookie, CancellationToken ct)
    {
        var threads = plan.Threads;
        string Thread(Random r) => threads[r.Next(threads.Length)].Id;
        string Run(Random r) => plan.RunId(r.Next(plan.EndedRuns));
        int Every(Random r, int n) => r.Next(Math.Max(1, threads.Length / n)) * n;
        var windowSpan = 24 * 3_600_000L;
        View One(string page, string name, string label, Func<Random, string> path) =>
            new(page, name, [label], (r, _) => Task.FromResult(new[] { path(r) }));
        // A second page: the first one is read untimed for its cursor.
        View Next(string page, string name, string label, string first) =>
            new(page, name, [label], async (_, token) => [Before(first, await CursorAsync(http, cookie, first, token))]);

        return
        [
            One("baseline", "session", "GET /dashboard/api/session", _ => Api + "session"),
            new("baseline", "API thread", ["GET /v1/threads/{id} (API key)"], (r, _) => Task.FromResult(new[] { "v1/threads/" + Thread(r) })),
            One("shell", "shell", "GET /dashboard", _ => "dashboard"),
            One("overview", "overview", "GET overview", _ => Api + "overview"),
            One("threads", "threads, newest", "GET threads", _ => Api + "threads"),
            Next("threads", "threads, page 2", "GET threads?before=", Api + "threads"),
            One("threads", "threads by id", "GET threads?q=thread_…", r => Api + "threads?q=" + Thread(r)),
            One("threads", "threads by external id", "GET threads?q=<external_id>", r => Api + "threads?q=" + plan.ExternalIdOf(Every(r, 2))),
            One("threads", "threads by rare metadata", "GET threads?q=customer=cust_N (one thread)", r => Api + "threads?q=" + Uri.EscapeDataString($"customer=cust_{Every(r, 10)}")),
            One("threads", "threads by common metadata", "GET threads?q=plan=enterprise (1%)", _ => Api + "threads?q=" + Uri.EscapeDataString("plan=enterprise")),
            new("thread", "thread", ["GET threads/{id}", "GET threads/{id}/messages"], (r, _) =>
            {
                var id = Thread(r);
                return Task.FromResult(new[] { Api + "threads/" + id, Api + "threads/" + id + "/messages" });
            }),
            One("runs", "runs, newest", "GET runs", _ => Api + "runs"),
            Next("runs", "runs, page 2", "GET runs?before=", Api + "runs"),
            One("runs", "runs failed", "GET runs?status=failed", _ => Api + "runs?status=failed"),
            One("runs", "runs queued", "GET runs?status=queued", _ => Api + "runs?status=queued"),
            One("runs", "runs by assistant", "GET runs?assistant_id=", r => Api + "runs?assistant_id=" + DashboardStore.Assistants[r.Next(DashboardStore.Assistants.Length)].Id),
            One("runs", "runs by model", "GET runs?model=", r => Api + "runs?model=" + DashboardStore.Assistants[r.Next(DashboardStore.Assistants.Length)].Model),
            One("runs", "runs in an hour a day ago", "GET runs?since_ms=&until_ms= (1 h)", r =>
            {
                var since = plan.NowMs - (26 * 3_600_000L) + r.NextInt64(windowSpan - 3_600_000L);
                return Api + $"runs?since_ms={since}&until_ms={since + 3_600_000L}";
            }),
            One("runs", "runs failed of an assistant", "GET runs?status=failed&assistant_id=", r => Api + "runs?status=failed&assistant_id=" + DashboardStore.Assistants[r.Next(DashboardStore.Assistants.Length)].Id),
            One("run", "run", "GET runs/{id}", r => Api + "runs/" + Run(r)),
            new("webhooks", "webhooks", ["GET webhooks", "GET deliveries"], (_, _) => Task.FromResult(new[] { Api + "webhooks", Api + "deliveries" })),
            One("webhooks", "deliveries failed", "GET deliveries?status=failed", _ => Api + "deliveries?status=failed"),
            One("webhooks", "deliveries of an endpoint", "GET deliveries?endpoint_id=", r => Api + "deliveries?endpoint_id=" + plan.Endpoints[r.Next(plan.Endpoints.Length)].Id),
            Next("webhooks", "deliveries, page 2", "GET deliveries?before=", Api + "deliveries"),
            One("nodes", "nodes", "GET nodes", _ => Api + "nodes"),
        ];
    }

    private static async Task LoadAsync(HttpClient http, string cookie, View view, Random random, bool record, CancellationToken ct)
    {
        string[] paths;
        try
        {
            paths = await view.Paths(random, ct);
        }
        catch (HttpRequestException e)
        {
            view.FirstError ??= e.Message;
            return;
        }
        var total = 0.0;
        var failed = false;
        for (var i = 0; i < paths.Length; i++)
        {
            using var request = Get(paths[i], cookie);
            var start = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var clientMs = LatencyRecorder.Ms(start);
            if (!record)
                continue;
            if (!response.IsSuccessStatusCode)
            {
                view.Server[i].Error();
                view.Client[i].Error();
                view.FirstError ??= $"{(int)response.StatusCode} GET /{paths[i]}: {Http.Truncate(body)}";
                failed = true;
                continue;
            }
            view.Client[i].Add(clientMs);
            if (ServerMs(response) is { } serverMs)
            {
                view.Server[i].Add(serverMs);
                total += serverMs;
            }
            else
            {
                view.MissingHeader++;
                total += clientMs;
            }
        }
        if (record && !failed)
            view.Load.Add(total);
    }

    /// <summary>The dashboard's cookie (and any other the sign-in set), after <c>POST /dashboard/login</c> with the admin key.</summary>
    private static async Task<string> SignInAsync(HttpClient http, CancellationToken ct)
    {
        var cookies = new Dictionary<string, string>();
        // The sign-in page first: its cookies and hidden fields (an anti-forgery token, if the form has one) go with the POST.
        using (var page = await http.GetAsync("dashboard/login", ct))
        {
            Keep(page, cookies);
            var html = await page.Content.ReadAsStringAsync(ct);
            var fields = HiddenInput().Matches(html).Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)))
                .Append(KeyValuePair.Create("key", AdminKey));
            using var login = new HttpRequestMessage(HttpMethod.Post, "dashboard/login") { Content = new FormUrlEncodedContent(fields) };
            if (cookies.Count > 0)
                login.Headers.Add("Cookie", Join(cookies));
            using var answer = await http.SendAsync(login, ct);
            Keep(answer, cookies);
            if (answer.StatusCode != HttpStatusCode.SeeOther || !cookies.Keys.Any(k => k.StartsWith("threadline_dashboard", StringComparison.Ordinal)))
                throw new InvalidOperationException($"sign-in answered {(int)answer.StatusCode} without the threadline_dashboard cookie: {Http.Truncate(await answer.Content.ReadAsStringAsync(ct))}");
        }
        var cookie = Join(cookies);
        using var check = Get(Api + "session", cookie);
        using var session = await http.SendAsync(check, ct);
        await Http.ReadAsync(session, ct);
        return cookie;
    }

    private static void Keep(HttpResponseMessage response, Dictionary<string, string> cookies)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
            return;
        foreach (var pair in values.Select(v => v.Split(';', 2)[0].Split('=', 2)).Where(p => p.Length == 2))
            cookies[pair[0].Trim()] = pair[1].Trim();
    }

    private static string Join(Dictionary<string, string> cookies) => string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}"));

    /// <summary>A GET with the session's cookie, and the API key for <c>/v1</c>.</summary>
    private static HttpRequestMessage Get(string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (path.StartsWith("v1/", StringComparison.Ordinal))
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        else
            request.Headers.Add("Cookie", cookie);
        return request;
    }

    private static async Task<string> CursorAsync(HttpClient http, string cookie, string path, CancellationToken ct)
    {
        using var request = Get(path, cookie);
        using var response = await http.SendAsync(request, ct);
        var page = await Http.ReadAsync(response, ct);
        return page["next_before"] is JsonValue v ? v.ToJsonString().Trim('"') : throw new HttpRequestException($"GET /{path} gave no next_before");
    }

    private static string Before(string path, string cursor) => path + (path.Contains('?') ? "&" : "?") + "before=" + Uri.EscapeDataString(cursor);

    private static double? ServerMs(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Server-Timing", out var values)
        && values.Select(v => ServerTiming().Match(v)).FirstOrDefault(m => m.Success) is { } m
        && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            ? ms : null;

    [GeneratedRegex(@"app;\s*dur=([0-9.]+)")]
    private static partial Regex ServerTiming();

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]+)"[^>]*value="(?<value>[^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();
}
