using System.Diagnostics;
using Threadline.Bench.Infrastructure;
using Threadline.Bench.Reporting;

namespace Threadline.Bench.Scenarios.Postgres;

/// <summary>
/// pg-streaming: the streaming scenario's streamed runs against the fake upstream on SQLite (1 node),
/// PostgreSQL (1 node), PostgreSQL (3 nodes, the runs and conversations dealt to them round-robin), and
/// PostgreSQL with every stream read through a node that does not execute it (the relay's cost).
/// </summary>
internal static class PgStreamingScenario
{
    private sealed record Measured(StreamingScenario.Phase Solo, StreamingScenario.Phase Many, CpuReading Cpu, ProcessSample Largest);

    public static async Task RunAsync(BenchContext ctx, ScenarioResult result, CancellationToken ct)
    {
        var o = ctx.Options;
        var warmups = Math.Min(20, o.Conversations);
        result.Setup = $"The streaming scenario's Threadline half on each system, against one fake upstream ({o.FirstTokenMs} ms to the first token, {o.Tokens} tokens " +
            $"{o.TokenIntervalMs} ms apart): after {warmups} warm-up runs, {o.SoloRuns} streamed runs one after another, then {o.Conversations} concurrent conversations " +
            $"of {o.StreamRounds} runs each (`POST /v1/threads/runs`, `stream: true`, time to first token = until the first `thread.message.delta`). " +
            "With 3 nodes the runs one after another take the nodes in turn and conversation c stays on node c mod 3. " +
            "Relayed: 2 nodes, the second with its queue off takes every request, so the first executes every run and the second relays each stream live. " +
            $"CPU per run = over the {o.Conversations}-conversation phase, each node's and PostgreSQL's.";

        await using var fake = await ctx.StartFakeUpstreamAsync(o.FirstTokenMs, o.Tokens, o.TokenIntervalMs, ct);
        var measured = await StorageComparison.EachAsync(ctx, result, [.. Topology.Compared, Topology.PostgresRelayed], async (topology, store) =>
        {
            await using var deployment = await Deployment.StartAsync(ctx, topology, store, StreamingScenario.FakeProvider(fake), ct);
            using var clients = new NodeClients(deployment);
            var session = await ApiSurface.Assistants.OpenAsync(clients.For(0), StreamingScenario.Model, 0, ct);
            var turn = 0;
            Task<StreamOutcome?> InTurn(int conversation) =>
                session.StreamAsync(clients.For(Interlocked.Increment(ref turn)), conversation, ct);
            await StreamingScenario.DriveAsync(warmups, 1, InTurn, ct);
            var solo = await StreamingScenario.DriveAsync(1, o.SoloRuns, InTurn, ct);
            var before = deployment.ReadCpu();
            var many = await StreamingScenario.DriveAsync(o.Conversations, o.StreamRounds,
                c => session.StreamAsync(clients.For(c), c, ct), ct);
            var cpu = deployment.ReadCpu().Minus(before);
            ctx.Log($"{topology.Label}: TTFT p50 {solo.Ttft.P50:0.0} ms alone, {many.Ttft.P50:0.0} ms at {o.Conversations}; {many.Rate:0} runs/s, {solo.Errors + many.Errors} errors");
            StorageComparison.Warnings(result, deployment);
            return new Measured(solo, many, cpu, deployment.LargestNode());
        }, ct);

        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m =>
            ResultRow.From(m.Key.Label, "time to first token, 1 conversation", m.Value.Solo.Ttft, m.Value.Solo.Errors, m.Value.Solo.Rate, m.Value.Largest)));
        var many = measured.ToDictionary(m => m.Key, m =>
            ResultRow.From(m.Key.Label, $"time to first token, {o.Conversations} conversations", m.Value.Many.Ttft, m.Value.Many.Errors, m.Value.Many.Rate, m.Value.Largest));
        StorageComparison.Rows(result, many);
        StorageComparison.Rows(result, measured.ToDictionary(m => m.Key, m =>
            ResultRow.From(m.Key.Label, $"whole streamed run, {o.Conversations} conversations", m.Value.Many.Totals, m.Value.Many.Errors, m.Value.Many.Rate, m.Value.Largest)));
        foreach (var (topology, m) in measured)
            result.Chart($"{topology.Label}: time to first token, {o.Conversations} conversations", m.Many.Ttft.Cdf());
        StorageComparison.CpuDetails(result, measured, "run", m => m.Cpu, m => m.Many.Ttft.Count);
        StorageComparison.ThroughputTargets(result, many, $"streamed runs per second at {o.Conversations} conversations", postgresGoal: null);
    }
}
