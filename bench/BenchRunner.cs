using System.Diagnostics;
using System.Globalization;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;
using Threadline.Bench.Scenarios;
using Threadline.Bench.Scenarios.Postgres;

namespace Threadline.Bench;

/// <summary>Builds, runs the chosen scenarios one after another, and writes the reports.</summary>
internal sealed class BenchRunner(BenchOptions options, string[] args)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (options.RenderFrom is { } source)
        {
            var saved = JsonReport.Read(await File.ReadAllTextAsync(source, ct));
            var target = options.OutDirectory ?? RepoLayout.Docs;
            Directory.CreateDirectory(target);
            await File.WriteAllTextAsync(Path.Combine(target, "benchmarks.svg"), SvgChart.Write(saved), ct);
            await MarkdownReport.WriteAsync(Path.Combine(target, "benchmarks.md"), saved, "benchmarks.svg", ct);
            Console.WriteLine($"Redrew {target}/benchmarks.md and benchmarks.svg from {source}.");
            return 0;
        }

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var workRoot = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "threadline-bench", started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture))).FullName;
        var generator = await LoadGenerators.ChooseAsync(options.Generator, workRoot, ct);
        var context = new BenchContext(options, workRoot, generator);
        var outDirectory = options.OutDirectory
            ?? (options.Smoke ? Path.Combine(Path.GetTempPath(), "threadline-bench-smoke") : RepoLayout.Docs);

        if (!options.NoBuild)
            await Builder.BuildAsync(Console.Out, ct);

        var report = new BenchReport
        {
            Machine = await Machine.DescribeAsync(ct),
            Commit = await GitAsync(["rev-parse", "HEAD"], ct),
            WorkTreeDirty = (await GitAsync(["status", "--porcelain"], ct)).Length > 0,
            SourceDiff = await GitAsync(["diff", "--shortstat", "HEAD", "--", "src"], ct),
            Command = "dotnet run -c Release --project bench -- " + string.Join(' ', args),
            StartedAt = started,
            Smoke = options.Smoke,
            Options = options.Describe(),
        };
        if (options.ServerDll is not null)
            report.Options["server_dll"] = options.ServerDll;
        if (options.ServerArgs.Count > 0)
            report.Options["server_args"] = string.Join(' ', options.ServerArgs);
        report.Options["load_generator"] = generator.Name;
        context.Log($"{report.Machine.Cores} cores, {report.Machine.MemoryGb:0.#} GB; commit {report.Commit[..Math.Min(12, report.Commit.Length)]}; scenarios: {string.Join(", ", options.Scenarios)}{(options.Smoke ? " (smoke)" : "")}; load generator: {generator.Name}");

        var failed = 0;
        try
        {
            failed = await RunScenariosAsync(context, report, ct);
        }
        finally
        {
            await context.StopPostgresAsync();
        }
        report.DurationSeconds = clock.Elapsed.TotalSeconds;

        Directory.CreateDirectory(outDirectory);
        var json = Path.Combine(outDirectory, "benchmarks.json");
        var md = Path.Combine(outDirectory, "benchmarks.md");
        var svg = Path.Combine(outDirectory, "benchmarks.svg");
        await File.WriteAllTextAsync(json, JsonReport.Write(report), ct);
        await File.WriteAllTextAsync(svg, SvgChart.Write(report), ct);
        await MarkdownReport.WriteAsync(md, report, Path.GetFileName(svg), ct);

        Console.WriteLine();
        Console.WriteLine(TextTable.Write(report));
        Console.WriteLine($"Wrote {json}, {md} and {svg} ({report.DurationSeconds:0} s in all).");
        if (!options.KeepData)
        {
            try
            {
                Directory.Delete(workRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        if (failed > 0)
            Console.WriteLine($"{failed} scenario(s) failed to run.");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Runs every chosen scenario in turn, each into its result in <paramref name="report"/>; returns how many failed to run.</summary>
    private async Task<int> RunScenariosAsync(BenchContext context, BenchReport report, CancellationToken ct)
    {
        var failed = 0;
        foreach (var name in options.Scenarios)
        {
            var result = new ScenarioResult { Name = name, Title = Title(name) };
            var scenarioClock = Stopwatch.StartNew();
            var load = new MachineLoad();
            context.Log($"== {result.Title}");
            try
            {
                await RunScenarioAsync(name, context, result, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                failed++;
                result.Error = e.GetType().Name + ": " + e.Message;
                context.Log($"{name} failed: {e}");
                if (context.LastServer is { } server)
                {
                    var exited = server.HasExited ? "had exited" : "was running";
                    context.Log($"the last Threadline process (pid {server.Pid}) {exited}; its last output:\n{server.Tail(60)}");
                    result.Error += $" (the last Threadline process {exited})";
                }
            }
            result.DurationSeconds = scenarioClock.Elapsed.TotalSeconds;
            var (machine, ours, others) = load.Stop();
            result.Detail("machine CPU busy over the scenario (cores of " + Environment.ProcessorCount + ")", machine);
            result.Detail("of which this harness and the servers it started (cores)", ours);
            result.Detail("of which other processes on the machine (cores): noise", others);
            if (others > 0.25)
                context.Log($"warning: other processes used {others:0.00} cores during {name}; its numbers are skewed");
            report.Scenarios.Add(result);
            context.Log($"{name} took {result.DurationSeconds:0} s");
            foreach (var t in result.Targets)
                context.Log($"  target {(t.Met switch { true => "MET    ", false => "NOT MET", null => "n/a    " })} {t.Name}: {t.Measured} (goal {t.Goal})");
        }
        return failed;
    }

    private static Task RunScenarioAsync(string name, BenchContext context, ScenarioResult result, CancellationToken ct) => name switch
    {
        "ingest" => IngestScenario.RunAsync(context, result, ct),
        "runs" => RunsScenario.RunAsync(context, result, ct),
        "handoff" => HandoffScenario.RunAsync(context, result, ct),
        "bursts" => BurstsScenario.RunAsync(context, result, ct),
        "streaming" => StreamingScenario.RunAsync(context, result, ct),
        "scale" => ScaleScenario.RunAsync(context, result, ct),
        "idle" => IdleScenario.RunAsync(context, result, ct),
        "growth" => GrowthScenario.RunAsync(context, result, ct),
        "pg-ingest" => PgIngestScenario.RunAsync(context, result, ct),
        "pg-handoff" => PgHandoffScenario.RunAsync(context, result, ct),
        "pg-bursts" => PgBurstsScenario.RunAsync(context, result, ct),
        "pg-streaming" => PgStreamingScenario.RunAsync(context, result, ct),
        "pg-scale" => PgScaleScenario.RunAsync(context, result, ct),
        "dashboard" => DashboardScenario.RunAsync(context, result, ct),
        "pg-dashboard" => DashboardScenario.RunPostgresAsync(context, result, ct),
        "retrieval" => RetrievalScenario.RunAsync(context, result, ct),
        _ => throw new ArgumentException($"Unknown scenario {name}"),
    };

    public static string Title(string name) => name switch
    {
        "ingest" => "1. ingest: messages.create on existing threads",
        "runs" => "2. runs: a run on an idle thread, end to end",
        "handoff" => "3. handoff: queued runs on the echo model",
        "bursts" => "4. bursts: debounced message bursts, through the Assistants and the Responses API",
        "streaming" => "5. streaming overhead against the fake upstream, through the Assistants and the Responses API",
        "scale" => "6. scale: a large store",
        "idle" => "7. idle: what a server costs when nothing happens",
        "growth" => "8. growth: the write rate as the store grows",
        "pg-ingest" => "9. pg-ingest: messages.create on SQLite and PostgreSQL, 1 and 3 nodes",
        "pg-handoff" => "10. pg-handoff: queued runs drained on SQLite and PostgreSQL, 1 and 3 nodes",
        "pg-bursts" => "11. pg-bursts: debounced bursts on SQLite and PostgreSQL, 1 and 3 nodes",
        "pg-streaming" => "12. pg-streaming: streamed runs on SQLite and PostgreSQL, 1 and 3 nodes",
        "pg-scale" => "13. pg-scale: listing a large store on SQLite and PostgreSQL",
        "retrieval" => "14. retrieval: vector store indexing and search",
        "dashboard" => "15. dashboard: every page's requests on a large store",
        "pg-dashboard" => "16. pg-dashboard: the dashboard's requests on a large PostgreSQL store",
        _ => name,
    };

    private static async Task<string> GitAsync(string[] arguments, CancellationToken ct)
    {
        try
        {
            var (code, output) = await Builder.RunAsync("git", arguments, ct);
            return code == 0 ? output.Trim() : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
