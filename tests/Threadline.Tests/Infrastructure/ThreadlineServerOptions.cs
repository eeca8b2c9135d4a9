namespace Threadline.Tests.Infrastructure;

/// <summary>How <see cref="ThreadlineServer.StartAsync"/> launches a server process.</summary>
internal sealed record ThreadlineServerOptions
{
    /// <summary>
    /// The data directory (<c>--Threadline:DataDirectory</c>). Null (the default): a fresh
    /// temporary folder, deleted when the server is disposed. Pass a folder of your own
    /// (<see cref="ThreadlineServer.CreateDataDirectory"/>) to restart a server on the same
    /// data or to run two servers on one database; such a folder is never deleted by the server.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Extra configuration, passed as <c>--Key=Value</c> command-line arguments (the
    /// highest-precedence source), e.g. <c>["Threadline:LeaseTimeout"] = "00:00:02"</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Arguments { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment variables for the process; a null value removes an inherited one.</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentVariables { get; init; } = new Dictionary<string, string?>();

    /// <summary>How long to wait for <c>Now listening on:</c>. Default 30 s.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="ThreadlineServer.StopAsync"/> waits after SIGTERM before killing. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called with every output line as it arrives (e.g. a test output helper); exceptions are swallowed.</summary>
    public Action<string>? OnOutputLine { get; init; }
}
