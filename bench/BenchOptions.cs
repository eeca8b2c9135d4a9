using System.Globalization;

namespace Threadline.Bench;

/// <summary>Which scenarios to run and their sizes. Defaults are the sizes; <c>--smoke</c> shrinks them all.</summary>
internal sealed class BenchOptions
{
    public static readonly string[] AllScenarios = ["ingest", "runs", "handoff", "bursts", "streaming", "scale", "idle", "growth",
        "pg-ingest", "pg-handoff", "pg-bursts", "pg-streaming", "pg-scale", "dashboard", "pg-dashboard", "retrieval"];

    public List<string> Scenarios { get; private set; } = [];
    public bool Smoke { get; private set; }
    public bool Help { get; private set; }
    public bool NoBuild { get; private set; }
    public bool KeepData { get; private set; }
    /// <summary>Where benchmarks.{json,md,svg} go: docs/ for a real run, a temp folder for a smoke run.</summary>
    public string? OutDirectory { get; private set; }
    /// <summary>Another build of the server to measure (an experiment); default src/Threadline's Release build.</summary>
    public string? ServerDll { get; private set; }
    /// <summary>Extra <c>--Key=Value</c> settings for every Threadline process (an experiment; the report says so).</summary>
    public List<string> ServerArgs { get; } = [];
    /// <summary>Only redraw benchmarks.md and benchmarks.svg from this benchmarks.json; measure nothing.</summary>
    public string? RenderFrom { get; private set; }
    /// <summary>auto (wrk when on PATH, else the harness's client), wrk, or harness.</summary>
    public string Generator { get; private set; } = "auto";

    // 1. ingest
    public int Threads { get; private set; } = 10_000;
    public int Clients { get; private set; } = 64;
    public double WarmupSeconds { get; private set; } = 3;
    public double DurationSeconds { get; private set; } = 15;

    // 2. runs
    /// <summary>Runs measured one at a time, and again spread over <see cref="RunClients"/>.</summary>
    public int Runs { get; private set; } = 200;
    public int RunClients { get; private set; } = 8;
    public int RunLoadClients { get; private set; } = 32;
    public double RunLoadSeconds { get; private set; } = 10;

    // 3. handoff
    public int HandoffThreads { get; private set; } = 500;
    public int RunsPerThread { get; private set; } = 20;
    /// <summary>How long to wait for the queues to drain before measuring what did (seconds).</summary>
    public double DrainTimeoutSeconds { get; private set; } = 120;

    // 4. bursts
    public int Users { get; private set; } = 2_000;
    public int MessagesPerUser { get; private set; } = 3;
    public int BurstSpreadMs { get; private set; } = 300;
    public int DebounceMs { get; private set; } = 1_000;
    public int ArrivalWindowMs { get; private set; } = 10_000;
    public string BurstModel { get; private set; } = "echo:500";
    public int RetryMs { get; private set; } = 1_000;
    /// <summary>Reject mode: clients stop retrying this long after the first message (seconds); what is not delivered by then is counted.</summary>
    public double RejectDeadlineSeconds { get; private set; } = 60;

    // 5. streaming
    /// <summary>Streamed runs of the single conversation, one after another.</summary>
    public int SoloRuns { get; private set; } = 50;
    public int Conversations { get; private set; } = 64;
    public int StreamRounds { get; private set; } = 3;
    public int FirstTokenMs { get; private set; } = 50;
    public int Tokens { get; private set; } = 20;
    public int TokenIntervalMs { get; private set; } = 5;

    // 6. scale
    public int ScaleThreads { get; private set; } = 100_000;
    public int ScaleMessages { get; private set; } = 1_000_000;
    public int SmallStoreThreads { get; private set; } = 1_000;
    public int ScaleClients { get; private set; } = 8;
    /// <summary>Seconds of listing with <see cref="ScaleClients"/>, and again with one client.</summary>
    public double ScaleSeconds { get; private set; } = 6;

    // 7. idle
    public double IdleSeconds { get; private set; } = 30;
    /// <summary>How long a server is left alone after its state is set up, before its CPU is counted.</summary>
    public double IdleSettleSeconds { get; private set; } = 3;

    // 8. growth
    /// <summary>What the store is grown by between the early and the late measurement (written straight into its SQLite file).</summary>
    public int GrowthThreads { get; private set; } = 200_000;
    public int GrowthMessages { get; private set; } = 1_000_000;
    /// <summary>Idempotency records of the seeded threads' creates, one per thread at most.</summary>
    public int GrowthKeys { get; private set; } = 200_000;
    public int GrowthClients { get; private set; } = 32;
    /// <summary>Each workload's measured window, early and late, after a warm-up of <see cref="GrowthWarmupSeconds"/>.</summary>
    public double GrowthSeconds { get; private set; } = 6;
    public double GrowthWarmupSeconds { get; private set; } = 2;

    // 15. dashboard
    public int DashboardThreads { get; private set; } = 100_000;
    public int DashboardMessages { get; private set; } = 1_000_000;
    /// <summary>Of the runs (one per assistant turn), how many ended in the last hour: the overview's minutes.</summary>
    public int DashboardRecentRuns { get; private set; } = 6_000;
    /// <summary>Webhook events of the latest ended runs, a delivery each.</summary>
    public int DashboardDeliveries { get; private set; } = 100_000;
    /// <summary>Measured loads of every view, one at a time, after <see cref="DashboardWarmup"/> rounds.</summary>
    public int DashboardRequests { get; private set; } = 300;
    public int DashboardWarmup { get; private set; } = 20;

    // 14. retrieval
    /// <summary>Documents of <see cref="RetrievalWords"/> words indexed by the built-in embedder (static chunking 800/400).</summary>
    public int RetrievalDocuments { get; private set; } = 40;
    public int RetrievalWords { get; private set; } = 2_000;
    /// <summary>The store sizes (chunks of 100 tokens, embedded by the fake upstream) at which search is measured.</summary>
    public int RetrievalSmallChunks { get; private set; } = 10_000;
    public int RetrievalLargeChunks { get; private set; } = 100_000;
    /// <summary>Chunks per generated file of the fake-embedder corpus.</summary>
    public int RetrievalChunksPerFile { get; private set; } = 1_000;
    public int RetrievalQueries { get; private set; } = 200;
    public int RetrievalClients { get; private set; } = 4;

    public string Usage => """
        Threadline benchmark harness: starts Threadline (Release), the fake upstream and the baselines as separate
        processes on loopback, drives them, and writes benchmarks.json, benchmarks.md and benchmarks.svg.

        Usage: dotnet run -c Release --project bench -- <scenario>[,<scenario>...]|all [options]

        Scenarios: ingest, runs, handoff, bursts, streaming, scale, idle, growth (all = every one, in that order, then the storage comparison, dashboard, then retrieval)
                   bursts and streaming measure through the Assistants API and again through the Responses API, side by side
        Storage comparison: pg-ingest, pg-handoff, pg-bursts, pg-streaming, pg-scale: the same workloads (sizes as above) on SQLite (1 node),
                   PostgreSQL (1 node) and PostgreSQL (3 nodes; pg-scale: 1 node), on a throwaway PostgreSQL 15 cluster the harness starts
                   (tests/postgres/cluster.sh, a database per scenario, stopped at the end); a smoke run uses THREADLINE_TEST_POSTGRES when set
        Dashboard: dashboard, pg-dashboard: every dashboard page's JSON requests on a large store (runs, deliveries, queues), server time from
                   Server-Timing; on SQLite, and on PostgreSQL (one node, the cluster above)
        Retrieval: retrieval: vector store indexing (built-in and fake-upstream embedder) in chunks/s, search latency at two store sizes

        General:
          --smoke                   tiny sizes for CI; targets are reported, not asserted; writes to a temp folder
          --out DIR                 where to write the results (default: docs/ of the repository; smoke: a temp folder)
          --no-build                do not run `dotnet build -c Release` of src/Threadline and the fake upstream first
          --keep-data               keep the servers' data directories (printed) instead of deleting them
          --server-dll PATH         measure another build of Threadline.dll (an experiment) instead of src/Threadline's
          --server-arg KEY=VALUE    add --KEY=VALUE to every Threadline process (an experiment; repeatable)
          --render FILE             measure nothing: redraw benchmarks.md and .svg (in --out or docs/) from a benchmarks.json
          --generator auto|wrk|harness   closed-loop HTTP load: wrk when on PATH (auto), or the harness's own client
        1. ingest:     --threads 10000 --clients 64 --warmup 3 --duration 15   (seconds; wrk rounds them up to whole seconds)
        2. runs:       --runs 200 --run-clients 8 --run-load-clients 32 --run-load-seconds 10
        3. handoff:    --handoff-threads 500 --runs-per-thread 20 --drain-timeout 120   (seconds; what ended by then is measured)
        4. bursts:     --users 2000 --messages-per-user 3 --spread-ms 300 --debounce-ms 1000 --arrival-window-ms 10000
                       --burst-model echo:500 --retry-ms 1000 --reject-deadline 60   (seconds: reject-mode clients give up then)
        5. streaming:  --solo-runs 50 --conversations 64 --stream-rounds 3 --first-token-ms 50 --tokens 20 --token-interval-ms 5
        6. scale:      --scale-threads 100000 --scale-messages 1000000 --small-threads 1000 --scale-clients 8 --scale-seconds 6
        7. idle:       --idle-seconds 30 --idle-settle 3   (per state: five states, a fresh server each)
        8. growth:     --growth-threads 200000 --growth-messages 1000000 --growth-keys 200000 --growth-clients 32
                       --growth-seconds 6 --growth-warmup 2   (what the store is grown by; each window, early and late)
        14. retrieval: --retrieval-documents 40 --retrieval-words 2000   (the built-in embedder's corpus, chunked 800/400)
                       --retrieval-small-chunks 10000 --retrieval-large-chunks 100000 --retrieval-chunks-per-file 1000
                       --retrieval-queries 200 --retrieval-clients 4   (the fake embedder's store, 100-token chunks; search at each size)
        15. dashboard, pg-dashboard: --dashboard-threads 100000 --dashboard-messages 1000000 --dashboard-recent-runs 6000 --dashboard-deliveries 100000
                       --dashboard-requests 300 --dashboard-warmup 20   (loads of every view measured, after the warm-up rounds)

        Exit code: 0 when every scenario ran (whether or not its targets were met), 1 when one failed to run, 2 on bad usage.
        """;

    /// <summary>The options as given, for the report.</summary>
    public Dictionary<string, string> Describe() => new()
    {
        ["generator"] = Generator,
        ["threads"] = I(Threads), ["clients"] = I(Clients), ["warmup_s"] = D(WarmupSeconds), ["duration_s"] = D(DurationSeconds),
        ["runs"] = I(Runs), ["run_clients"] = I(RunClients), ["run_load_clients"] = I(RunLoadClients), ["run_load_s"] = D(RunLoadSeconds),
        ["handoff_threads"] = I(HandoffThreads), ["runs_per_thread"] = I(RunsPerThread), ["drain_timeout_s"] = D(DrainTimeoutSeconds),
        ["users"] = I(Users), ["messages_per_user"] = I(MessagesPerUser), ["spread_ms"] = I(BurstSpreadMs), ["debounce_ms"] = I(DebounceMs),
        ["arrival_window_ms"] = I(ArrivalWindowMs), ["burst_model"] = BurstModel, ["retry_ms"] = I(RetryMs), ["reject_deadline_s"] = D(RejectDeadlineSeconds),
        ["solo_runs"] = I(SoloRuns), ["conversations"] = I(Conversations), ["stream_rounds"] = I(StreamRounds), ["first_token_ms"] = I(FirstTokenMs),
        ["tokens"] = I(Tokens), ["token_interval_ms"] = I(TokenIntervalMs),
        ["scale_threads"] = I(ScaleThreads), ["scale_messages"] = I(ScaleMessages), ["small_threads"] = I(SmallStoreThreads),
        ["scale_clients"] = I(ScaleClients), ["scale_s"] = D(ScaleSeconds),
        ["idle_s"] = D(IdleSeconds), ["idle_settle_s"] = D(IdleSettleSeconds),
        ["growth_threads"] = I(GrowthThreads), ["growth_messages"] = I(GrowthMessages), ["growth_keys"] = I(GrowthKeys),
        ["growth_clients"] = I(GrowthClients), ["growth_s"] = D(GrowthSeconds), ["growth_warmup_s"] = D(GrowthWarmupSeconds),
        ["dashboard_threads"] = I(DashboardThreads), ["dashboard_messages"] = I(DashboardMessages), ["dashboard_recent_runs"] = I(DashboardRecentRuns),
        ["dashboard_deliveries"] = I(DashboardDeliveries), ["dashboard_requests"] = I(DashboardRequests), ["dashboard_warmup"] = I(DashboardWarmup),
        ["retrieval_documents"] = I(RetrievalDocuments), ["retrieval_words"] = I(RetrievalWords),
        ["retrieval_small_chunks"] = I(RetrievalSmallChunks), ["retrieval_large_chunks"] = I(RetrievalLargeChunks),
        ["retrieval_chunks_per_file"] = I(RetrievalChunksPerFile), ["retrieval_queries"] = I(RetrievalQueries), ["retrieval_clients"] = I(RetrievalClients),
    };

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var given = new List<(string Name, string? Value)>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                foreach (var name in arg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (name == "all")
                        o.Scenarios.AddRange(AllScenarios);
                    else if (AllScenarios.Contains(name))
                        o.Scenarios.Add(name);
                    else
                        throw new ArgumentException($"Unknown scenario '{name}'.");
                }
                continue;
            }
            var eq = arg.IndexOf('=');
            var key = eq > 0 ? arg[2..eq] : arg[2..];
            string? value = eq > 0 ? arg[(eq + 1)..] : null;
            if (value is null && !IsFlag(key))
            {
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"--{key} needs a value.");
                value = args[++i];
            }
            given.Add((key, value));
        }

        // --smoke first, so that explicit sizes override the smoke sizes.
        if (given.Any(g => g.Name == "smoke"))
            o.ApplySmoke();
        foreach (var (name, value) in given)
            o.Set(name, value);
        o.Scenarios = o.Scenarios.Distinct().ToList();
        if (o.Scenarios.Count == 0 && !o.Help && o.RenderFrom is null)
            throw new ArgumentException("Name a scenario or 'all'.");
        return o;
    }

    private static bool IsFlag(string key) => key is "smoke" or "help" or "no-build" or "keep-data";

    private void ApplySmoke()
    {
        Smoke = true;
        Threads = 50; Clients = 4; WarmupSeconds = 0.5; DurationSeconds = 2;
        Runs = 20; RunClients = 4; RunLoadClients = 8; RunLoadSeconds = 1;
        HandoffThreads = 10; RunsPerThread = 3; DrainTimeoutSeconds = 60;
        Users = 20; ArrivalWindowMs = 500; DebounceMs = 200; BurstSpreadMs = 60; BurstModel = "echo:50"; RetryMs = 200; RejectDeadlineSeconds = 20;
        SoloRuns = 5; Conversations = 8; StreamRounds = 1; FirstTokenMs = 20; Tokens = 5; TokenIntervalMs = 2;
        ScaleThreads = 200; ScaleMessages = 2_000; SmallStoreThreads = 50; ScaleClients = 2; ScaleSeconds = 1;
        IdleSeconds = 1; IdleSettleSeconds = 0.5;
        GrowthThreads = 200; GrowthMessages = 1_000; GrowthKeys = 200; GrowthClients = 4; GrowthSeconds = 1; GrowthWarmupSeconds = 0;
        DashboardThreads = 200; DashboardMessages = 2_000; DashboardRecentRuns = 50; DashboardDeliveries = 200; DashboardRequests = 5; DashboardWarmup = 1;
        RetrievalDocuments = 3; RetrievalWords = 600; RetrievalSmallChunks = 300; RetrievalLargeChunks = 1_000; RetrievalChunksPerFile = 100;
        RetrievalQueries = 20; RetrievalClients = 2;
    }

    private void Set(string name, string? value)
    {
        switch (name)
        {
            case "smoke": break;
            case "help": Help = true; break;
            case "no-build": NoBuild = true; break;
            case "keep-data": KeepData = true; break;
            case "out": OutDirectory = Path.GetFullPath(value!); break;
            case "server-dll": ServerDll = Path.GetFullPath(value!); break;
            case "server-arg": ServerArgs.Add("--" + value!.TrimStart('-')); break;
            case "render": RenderFrom = Path.GetFullPath(value!); break;
            case "generator":
                Generator = value is "auto" or "wrk" or "harness" ? value : throw new ArgumentException($"--generator takes auto, wrk or harness, not '{value}'.");
                break;
            case "threads": Threads = Int(name, value); break;
            case "clients": Clients = Int(name, value); break;
            case "warmup": WarmupSeconds = Double(name, value); break;
            case "duration": DurationSeconds = Double(name, value); break;
            case "runs": Runs = Int(name, value); break;
            case "run-clients": RunClients = Int(name, value); break;
            case "run-load-clients": RunLoadClients = Int(name, value); break;
            case "run-load-seconds": RunLoadSeconds = Double(name, value); break;
            case "handoff-threads": HandoffThreads = Int(name, value); break;
            case "runs-per-thread": RunsPerThread = Int(name, value); break;
            case "drain-timeout": DrainTimeoutSeconds = Double(name, value); break;
            case "users": Users = Int(name, value); break;
            case "messages-per-user": MessagesPerUser = Int(name, value); break;
            case "spread-ms": BurstSpreadMs = Int(name, value); break;
            case "debounce-ms": DebounceMs = Int(name, value); break;
            case "arrival-window-ms": ArrivalWindowMs = Int(name, value); break;
            case "burst-model": BurstModel = value!; break;
            case "retry-ms": RetryMs = Int(name, value); break;
            case "reject-deadline": RejectDeadlineSeconds = Double(name, value); break;
            case "solo-runs": SoloRuns = Int(name, value); break;
            case "conversations": Conversations = Int(name, value); break;
            case "stream-rounds": StreamRounds = Int(name, value); break;
            case "first-token-ms": FirstTokenMs = Int(name, value); break;
            case "tokens": Tokens = Int(name, value); break;
            case "token-interval-ms": TokenIntervalMs = Int(name, value); break;
            case "scale-threads": ScaleThreads = Int(name, value); break;
            case "scale-messages": ScaleMessages = Int(name, value); break;
            case "small-threads": SmallStoreThreads = Int(name, value); break;
            case "scale-clients": ScaleClients = Int(name, value); break;
            case "scale-seconds": ScaleSeconds = Double(name, value); break;
            case "idle-seconds": IdleSeconds = Double(name, value); break;
            case "idle-settle": IdleSettleSeconds = Double(name, value); break;
            case "growth-threads": GrowthThreads = Int(name, value); break;
            case "growth-messages": GrowthMessages = Int(name, value); break;
            case "growth-keys": GrowthKeys = Int(name, value); break;
            case "growth-clients": GrowthClients = Int(name, value); break;
            case "growth-seconds": GrowthSeconds = Double(name, value); break;
            case "growth-warmup": GrowthWarmupSeconds = Double(name, value); break;
            case "dashboard-threads": DashboardThreads = Int(name, value); break;
            case "dashboard-messages": DashboardMessages = Int(name, value); break;
            case "dashboard-recent-runs": DashboardRecentRuns = Int(name, value); break;
            case "dashboard-deliveries": DashboardDeliveries = Int(name, value); break;
            case "dashboard-requests": DashboardRequests = Int(name, value); break;
            case "dashboard-warmup": DashboardWarmup = Int(name, value); break;
            case "retrieval-documents": RetrievalDocuments = Int(name, value); break;
            case "retrieval-words": RetrievalWords = Int(name, value); break;
            case "retrieval-small-chunks": RetrievalSmallChunks = Int(name, value); break;
            case "retrieval-large-chunks": RetrievalLargeChunks = Int(name, value); break;
            case "retrieval-chunks-per-file": RetrievalChunksPerFile = Int(name, value); break;
            case "retrieval-queries": RetrievalQueries = Int(name, value); break;
            case "retrieval-clients": RetrievalClients = Int(name, value); break;
            default: throw new ArgumentException($"Unknown option --{name}.");
        }
    }

    private static int Int(string name, string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v : throw new ArgumentException($"--{name} needs a whole number of 0 or more, not '{value}'.");

    private static double Double(string name, string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v : throw new ArgumentException($"--{name} needs a number of 0 or more, not '{value}'.");

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string D(double v) => v.ToString(CultureInfo.InvariantCulture);
}
