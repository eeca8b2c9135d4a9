namespace Threadline.Queue;

/// <summary>This process's name on the leases it holds: host, pid and a random suffix, unique across restarts.</summary>
internal sealed class ProcessIdentity
{
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}
