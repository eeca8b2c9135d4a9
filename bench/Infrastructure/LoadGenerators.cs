namespace Threadline.Bench.Infrastructure;

/// <summary>
/// Picks the one load generator of a run (every system of every scenario is driven by the same):
/// wrk when it is on PATH, else the harness's own client; <c>--generator</c> forces either.
/// </summary>
internal static class LoadGenerators
{
    public static async Task<ILoadGenerator> ChooseAsync(string choice, string scratch, CancellationToken ct)
    {
        if (choice == "harness")
            return new HarnessLoad();
        var wrk = await WrkLoad.FindAsync(scratch, ct);
        if (wrk is not null)
            return wrk;
        if (choice == "wrk")
            throw new InvalidOperationException("--generator wrk: wrk is not on PATH (Debian: apt-get install wrk).");
        return new HarnessLoad();
    }
}
