using Threadline.Assistants;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Sqlite;
using Threadline.Threads;

namespace Threadline.Hosting;

internal static class ThreadlineServices
{
    public static ThreadlineOptions AddThreadline(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ThreadlineOptions.Section).Get<ThreadlineOptions>() ?? new ThreadlineOptions();
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton(new SqliteOptions
        {
            Path = Path.Combine(Path.GetFullPath(options.DataDirectory), "threadline.db"),
            Synchronous = options.SqliteSynchronous,
        });
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteMigrator>();
        services.AddSingleton<IThreadlineStore, SqliteStore>();

        services.AddSingleton<MessageFactory>();
        services.AddSingleton<AssistantService>();
        services.AddSingleton<ThreadService>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<RunService>();

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        services.ConfigureHttpJsonOptions(json =>
        {
            var wire = Api.WireJson.Options;
            json.SerializerOptions.PropertyNamingPolicy = wire.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = wire.DefaultIgnoreCondition;
            json.SerializerOptions.Encoder = wire.Encoder;
        });
        return options;
    }
}
