namespace Threadline.FakeUpstream;

/// <summary>Builds the fake's web application, shared by <see cref="FakeUpstreamServer"/> and the standalone <see cref="Program"/>.</summary>
internal static class FakeUpstreamApp
{
    /// <param name="args">Command-line configuration (<c>--urls</c>, the standalone options).</param>
    /// <param name="state">Behaviours and recordings.</param>
    /// <param name="console">Log to the console (warnings, and the lifetime's "Now listening on"); in process, nothing is logged.</param>
    public static WebApplication Build(string[] args, FakeUpstreamState state, bool console)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });

        // Only the command line: no appsettings.json (a test's output folder holds the server's) and no
        // ASPNETCORE_* variables of the developer's shell.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddCommandLine(args);

        builder.Logging.ClearProviders();
        if (console)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MinResponseDataRate = null;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton<FakeUpstreamHandler>();

        var app = builder.Build();
        app.Run(app.Services.GetRequiredService<FakeUpstreamHandler>().HandleAsync);
        return app;
    }
}
