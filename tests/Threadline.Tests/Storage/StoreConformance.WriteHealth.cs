using Xunit;

namespace Threadline.Tests.Storage;

/// <summary>
/// Readiness's write probe, on every dialect: it commits (again and again, one row rewritten) and a
/// healthy store reports writes as not refused. The refusal itself needs a full disk
/// (<c>Hosting/FullDiskTests</c>, on SQLite).
/// </summary>
public abstract partial class StoreConformance
{
    [Fact]
    public async Task The_write_probe_commits_each_time_and_a_healthy_store_refuses_no_writes()
    {
        Assert.False(Store.WriteHealth.Full);

        await Store.WriteProbeAsync(CancellationToken.None).WaitAsync(Patience);
        await Store.WriteProbeAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.False(Store.WriteHealth.Full);
    }
}
