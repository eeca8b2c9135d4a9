using Xunit;

namespace Threadline.Tests.Queue;

/// <summary>
/// Queue tests that load the machine (hundreds of concurrent clients, two servers) or measure
/// scheduler latency in milliseconds. They run one at a time, after the parallel collections,
/// so that they neither slow the other tests down nor are slowed down by them. Each starts its own server.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialQueueCollection
{
    public const string Name = "queue: serial";
}
