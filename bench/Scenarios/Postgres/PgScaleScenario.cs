using System.Diagnostics;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Postgres;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>
/// pg-scale: the scale scenario's large store (written straight into the database before the server
/// starts) listed through the API on SQLite and on PostgreSQL, one node each. SQLite's rows go in
/// with prepared INSERTs in one transaction, PostgreSQL's with binary COPY.
/// </summary>
internal static class PgScaleScenario
{
    private sealed record Measured(ScaleScenario.Listing Listing, double SeedSeconds, double PostgresCpuSeconds);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        result.Setup = $"{o.ScaleThreads:N0} threads with {o.ScaleMessages:N0} messages in all, written straight into the store after the server made its schema " +
            "(started once and stopped): SQLite with prepared INSERTs in one transaction, PostgreSQL with binary COPY (Npgsql's `BeginBinaryImport`, then ANALYZE). " +
            $"Then one node on each store, and {o.ScaleClients} connections ({ctx.Load.Name}) list the latest 20 messages of random threads for {o.ScaleSeconds:0.#} s " +
            $"after a warm-up of {ScaleScenario.WarmupSeconds(o):0.#} s; then one connection alone. PostgreSQL CPU per listing counts the warm-up too.";
        var topologies = new[] { Topology.SqliteOneNode, Topology.PostgresOneNode };

        var measured = await StorageComparison.EachAsync(ctx, result, topologies, async (topology, store) =>
        {
            await using (var migrate = await Deployment.StartAsync(ctx, topology, store, ["--Threadline:Queue:Enabled=false"], ct))
                await migrate.Nodes[0].StopAsync();
            var clock = Stopwatch.StartNew();
            var threads = store.PostgresConnection is { } connection
                ? await PostgresSeed.WriteAsync(connection, o.ScaleThreads, o.ScaleMessages, ct)
                : await SqliteSeed.WriteAsync(Path.Combine(store.DataDirectory, "threadline.db"), o.ScaleThreads, o.ScaleMessages, keys: 0, ct);
            var seedSeconds = clock.Elapsed.TotalSeconds;
            ctx.Log($"{topology.Label}: wrote {o.ScaleThreads:N0} threads and {o.ScaleMessages:N0} messages in {seedSeconds:0.0} s");

            await using var deployment = await Deployment.StartAsync(ctx, topology, store, [], ct);
            var before = deployment.ReadCpu();
            var listing = await ScaleScenario.ListLatestAsync(ctx, deployment.Nodes[0], threads, ct);
            var cpu = deployment.ReadCpu().Minus(before);
            ctx.Log($"{topology.Label}: list p99 {listing.Load.Stats.P99:0.00} ms ({o.ScaleClients} clients), {listing.Single.Stats.P99:0.00} ms (one client)");
            StorageComparison.Warnings(result, deployment);
            return new Measured(listing, seedSeconds, cpu.Postgres);
        }, ct);

        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m => ResultRow.From(m.Key.Label, "GET messages?limit=20, 1 client",
            m.Value.Listing.Single.Stats, m.Value.Listing.Single.Errors, m.Value.Listing.Single.Throughput, m.Value.Listing.After)));
        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m => ResultRow.From(m.Key.Label, $"GET messages?limit=20, {o.ScaleClients} clients",
            m.Value.Listing.Load.Stats, m.Value.Listing.Load.Errors, m.Value.Listing.Load.Throughput, m.Value.Listing.After)));
        foreach (var (topology, m) in measured)
        {
            result.Chart($"{topology.Label}: list, {o.ScaleClients} clients", m.Listing.Load.Stats.Cdf());
            result.Detail($"{topology.Label}: rows written in (s)", m.SeedSeconds);
            result.Detail($"{topology.Label}: server CPU (cores) during the load", m.Listing.Load.ServerCores);
            var listings = m.Listing.Load.Answered + m.Listing.Single.Answered;
            if (!double.IsNaN(m.PostgresCpuSeconds) && listings > 0)
                result.Detail($"{topology.Label}: PostgreSQL CPU per listing (ms)", m.PostgresCpuSeconds * 1000 / listings);
        }
        result.Detail("load method", "direct bulk writes before the server starts (SQLite INSERTs; PostgreSQL binary COPY), not the API");
    }
}
