using Threadline.Assistants;
using Threadline.Idempotency;
using Threadline.Messages;
using Threadline.Models;
using Threadline.Queue;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Sqlite;
using Threadline.Threads;
using Threadline.Webhooks;
using OpenTelemetry.Metrics;

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
        services.AddSingleton<IEventPayloads, WebhookPayloads>();

        var queue = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        queue.Validate();
        services.AddSingleton(queue);
        services.AddSingleton<ProcessIdentity>();
        services.AddSingleton<SchedulerSignal>();
        services.AddSingleton<ActiveRuns>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunScheduler>();
        if (queue.Enabled)
            services.AddHostedService(sp => sp.GetRequiredService<RunScheduler>());

        services.AddSingleton(builder.Configuration.GetSection(IdempotencyOptions.Section).Get<IdempotencyOptions>() ?? new IdempotencyOptions());
        services.AddHostedService<IdempotencyJanitor>();

        services.AddSingleton<EchoChatClient>();
        services.AddSingleton(ModelConfiguration.Read(builder.Configuration));
        services.AddSingleton<ModelRouter>();
        services.AddSingleton<ModelCaller>();
        services.AddSingleton<Streaming.RunEventHub>();
        services.AddSingleton<Streaming.RunEventFeed>();

        var webhooks = builder.Configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        services.AddSingleton(webhooks);
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<WebhookEndpointService>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        if (webhooks.DispatcherEnabled)
            services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());

        services.AddSingleton<MessageFactory>();
        services.AddSingleton<AssistantService>();
        services.AddSingleton<ThreadService>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<RunService>();

        services.AddSingleton<Telemetry.ThreadlineMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Telemetry.ThreadlineMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddView(instrument => instrument.Meter.Name == Telemetry.ThreadlineMetrics.MeterName
                ? new OpenTelemetry.Metrics.ExplicitBucketHistogramConfiguration { Boundaries = Telemetry.ThreadlineMetrics.Buckets }
                : null)
            .AddPrometheusExporter());

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
