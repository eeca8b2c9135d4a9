namespace Threadline.Hosting;

internal static partial class StartupLog
{
    public static void Announce(WebApplication app, ThreadlineOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Threadline.Startup");
        LogStorage(logger, app.Services.GetRequiredService<Storage.IStore>().Description);
        if (options.ApiKeys.Count == 0)
            LogAuthOff(logger);
        else
            LogAuthOn(logger, options.ApiKeys.Count, options.ApiKeys.Select(k => k.Project).Distinct().Count());
        LogConcurrency(logger, options.Concurrency);
        app.Services.GetRequiredService<Models.ModelRouter>().Announce(logger);
    }

    public static void Refused(WebApplication app, LoopbackRefusedException refusal) =>
        LogRefused(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Threadline.Startup"), refusal.Message);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Storage: {Storage}")]
    private static partial void LogStorage(ILogger logger, string storage);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Auth is off: no API key is configured (Threadline:ApiKeys), so the server listens on loopback only and every request acts for the 'default' project")]
    private static partial void LogAuthOff(ILogger logger);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Auth is on: {KeyCount} API key(s) for {ProjectCount} project(s)")]
    private static partial void LogAuthOn(ILogger logger, int keyCount, int projectCount);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Concurrency mode: {Mode}")]
    private static partial void LogConcurrency(ILogger logger, string mode);

    [LoggerMessage(EventId = 14, Level = LogLevel.Critical, Message = "{Refusal}")]
    private static partial void LogRefused(ILogger logger, string refusal);
}
