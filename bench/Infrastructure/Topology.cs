namespace Threadline.Bench.Infrastructure;

/// <summary>
/// What a scenario of the storage comparison runs on: a store and how many Threadline nodes share it.
/// <paramref name="Relayed"/>: every node but the first executes nothing (its queue is off) and takes
/// every request, so every stream is read through a node that relays another's execution.
/// </summary>
internal sealed record Topology(bool Postgres, int Nodes, bool Relayed = false)
{
    public static readonly Topology SqliteOneNode = new(false, 1);
    public static readonly Topology PostgresOneNode = new(true, 1);
    public static readonly Topology PostgresThreeNodes = new(true, 3);
    public static readonly Topology PostgresRelayed = new(true, 2, Relayed: true);

    /// <summary>The systems every comparison scenario measures, in this order (SQLite first: the others' baseline).</summary>
    public static IReadOnlyList<Topology> Compared { get; } = [SqliteOneNode, PostgresOneNode, PostgresThreeNodes];

    public string Label => $"{(Postgres ? "PostgreSQL" : "SQLite")}, {Nodes} node{(Nodes == 1 ? "" : "s")}"
        + (Relayed ? ", read through the node that does not execute" : "");

    /// <summary>The row each one is compared to: PostgreSQL on one node against SQLite, several nodes against one.</summary>
    public Topology? Baseline => this == SqliteOneNode ? null : Nodes == 1 ? SqliteOneNode : PostgresOneNode;

    /// <summary>The settings of node <paramref name="i"/> beyond the deployment's.</summary>
    public IEnumerable<string> NodeSettings(int i) => Relayed && i > 0 ? ["--Threadline:Queue:Enabled=false"] : [];
}
