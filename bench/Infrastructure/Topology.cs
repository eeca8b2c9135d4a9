namespace Threadline.Bench.Infrastructure;

/// <summary>What a scenario of the storage comparison runs on: a store and how many Threadline nodes share it.</summary>
internal sealed record Topology(bool Postgres, int Nodes)
{
    public static readonly Topology SqliteOneNode = new(false, 1);
    public static readonly Topology PostgresOneNode = new(true, 1);
    public static readonly Topology PostgresThreeNodes = new(true, 3);

    /// <summary>The systems every comparison scenario measures, in this order (SQLite first: the others' baseline).</summary>
    public static IReadOnlyList<Topology> Compared { get; } = [SqliteOneNode, PostgresOneNode, PostgresThreeNodes];

    public string Label => $"{(Postgres ? "PostgreSQL" : "SQLite")}, {Nodes} node{(Nodes == 1 ? "" : "s")}";

    /// <summary>The row each one is compared to: PostgreSQL on one node against SQLite, several nodes against one.</summary>
    public Topology? Baseline => this == SqliteOneNode ? null : Nodes == 1 ? SqliteOneNode : PostgresOneNode;
}
