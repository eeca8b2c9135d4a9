using Npgsql;
using OpenTelemetry.Metrics;
using Threadline.Assistants;
using Threadline.Idempotency;
using Threadline.Maintenance;
using Threadline.Messages;
using Threadline.Files;
using Threadline.Models;
using Threadline.Retrieval;
using Threadline.Retrieval.Indexing;
using Threadline.Retrieval.Search;
using Threadline.Queue;
using Threadline.Queue.Lifecycle;
using Threadline.Telemetry;
using Threadline.Runs;
using Threadline.Storage;
using Threadline.Storage.Postgres;
using Threadline.Storage.Sqlite;
using Threadline.Streaming;
using Threadline.Threads;
using Threadline.VectorStores;
using Threadline.Webhooks;

namespace Threadline.Hosting;

internal static class ThreadlineServices
{
    /// <summary>The whole server: its core, metrics, Kestrel's limits and the wire's JSON.</summary>
    public static ThreadlineOptions AddThreadline(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var options = services.AddThreadlineCore(builder.Configuration);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ThreadlineMetrics.MeterName)
            // Memory as the runtime and Kestrel see it: the GC heap left by the last collection, memory committed, buffers pooled.
            .AddMeter(ThreadlineMetrics.RuntimeMeterName, ThreadlineMetrics.MemoryPoolMeterName)
            .AddAspNetCoreInstrumentation()
            // Npgsql's pool and command metrics (connections busy and idle, commands per second); none on SQLite.
            .AddNpgsqlInstrumentation()
            .AddView(ThreadlineMetrics.WriterBatchSize, new ExplicitBucketHistogramConfiguration { Boundaries = ThreadlineMetrics.BatchSizeBuckets })
            .AddView(ThreadlineMetrics.WriterQueueDepth, new ExplicitBucketHistogramConfiguration { Boundaries = ThreadlineMetrics.QueueDepthBuckets })
            .AddView(instrument => instrument.Meter.Name == ThreadlineMetrics.MeterName
                    && instrument.Name is not (ThreadlineMetrics.WriterBatchSize or ThreadlineMetrics.WriterQueueDepth)
                ? new ExplicitBucketHistogramConfiguration { Boundaries = ThreadlineMetrics.Buckets }
                : null)
            .AddPrometheusExporter());
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, Api.WireJsonContext.Default));
        return options;
    }

    /// <summary>
    /// Everything but HTTP: storage, the queue, models, streams, webhooks and the services. Tests
    /// build the same container in-process (on a fake clock) from this.
    /// </summary>
    public static ThreadlineOptions AddThreadlineCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLogging();
        services.AddMetrics();
        var options = services.AddValidated<ThreadlineOptions>(configuration, ThreadlineOptions.Section, o => o.Problem());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ThreadlineMetrics>();

        // :: Storage: the embedded SQLite file, or a PostgreSQL server shared by several nodes
        var postgres = PostgresConnectionString.Read(configuration);
        var storage = services.AddValidated<StorageOptions>(configuration, StorageOptions.Section, o => o.Problem(postgres));
        if (storage.Provider == StorageOptions.Postgres)
        {
            services.AddSingleton(sp => new PostgresDatabase(postgres!, sp.GetRequiredService<ProcessIdentity>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IStore>(sp => new PostgresStore(sp.GetRequiredService<PostgresDatabase>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
            // Live streams of runs executing on other nodes; hosted, so that this node relays its own from the start.
            services.AddSingleton<PostgresRunRelay>();
            services.AddSingleton<IRunEventRelay>(sp => sp.GetRequiredService<PostgresRunRelay>());
            services.AddHostedService(sp => sp.GetRequiredService<PostgresRunRelay>());
        }
        else
        {
            services.AddSingleton<IRunEventRelay, NoRunEventRelay>();
            services.AddSingleton(new SqliteOptions
            {
                Path = Path.Combine(Path.GetFullPath(options.DataDirectory), "threadline.db"),
                Synchronous = options.SqliteSynchronous,
                WriterCacheMiB = options.SqliteWriterCacheMiB,
            });
            services.AddSingleton<IStore, SqliteStore>();
        }

        // :: The queue: rules, scheduler, executor, leases
        var queue = services.AddValidated<QueueOptions>(configuration, QueueOptions.Section, o => o.Problem());
        services.AddSingleton<ProcessIdentity>();
        services.AddSingleton<Outbox>();
        services.AddSingleton<IWebhookPayloads, WebhookPayloads>();
        services.AddSingleton<RunLifecycle>();
        services.AddSingleton<ExecutionSlots>();
        services.AddSingleton<LeaseKeeper>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaseKeeper>());
        if (queue.Enabled)
            services.AddHostedService(sp => sp.GetRequiredService<RunScheduler>());

        services.AddValidated<IdempotencyOptions>(configuration, IdempotencyOptions.Section, o => o.Problem());

        // :: Models
        services.AddKeyedSingleton<Microsoft.Extensions.AI.IChatClient, EchoChatClient>(ModelRouter.BuiltIn);
        services.AddSingleton(ModelConfiguration.Read(configuration));
        services.AddSingleton<ModelRouter>();
        services.AddSingleton<ModelCaller>();

        // :: Streams
        services.AddSingleton<RunEventHub>();
        services.AddSingleton<RunEventFeed>();
        Dashboard.DashboardAccess.Register(services);
        services.AddSingleton<Dashboard.DashboardAssets>();
        services.AddSingleton<Dashboard.DashboardReads>();
        services.AddSingleton<Dashboard.DashboardActions>();
        services.AddSingleton<Dashboard.DashboardLive>();

        // :: Webhooks
        var webhooks = services.AddValidated<WebhookOptions>(configuration, WebhookOptions.Section, o => o.Problem());
        WebhookKeyRing.Register(services, webhooks, options);
        services.AddSingleton<WebhookEndpointService>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookDestinationPolicy>();
        services.AddSingleton<WebhookConnector>();
        // The dispatcher logs each attempt itself (at Debug): the factory's per-request logging would log
        // every failed attempt of an unreachable endpoint with a stack trace, and cost more than the attempt.
        // No proxy: it would make the connection, and the destination check would see only the proxy.
        services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectCallback = sp.GetRequiredService<WebhookConnector>().ConnectAsync,
            })
            .RemoveAllLoggers();
        if (webhooks.DispatcherEnabled)
            services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddHostedService<RetentionJanitor>();

        // :: Files and retrieval: bytes beside the database (or in it, on PostgreSQL), the indexing queue, search
        var files = services.AddValidated<FilesOptions>(configuration, FilesOptions.Section, o => o.Problem());
        services.AddValidated<RetrievalOptions>(configuration, RetrievalOptions.Section, o => o.Problem());
        services.AddValidated<EmbeddingOptions>(configuration, EmbeddingOptions.Section, o => o.Problem());
        if (files.Directory is not null || storage.Provider != StorageOptions.Postgres)
            services.AddSingleton<IFileContent>(new DirectoryFileContent(files.Directory ?? Path.Combine(Path.GetFullPath(options.DataDirectory), "files")));
        else
            services.AddSingleton<IFileContent>(sp => new PostgresFileContent(sp.GetRequiredService<PostgresDatabase>()));
        services.AddSingleton<EmbeddingRouter>();
        services.AddSingleton<VectorIndexCache>();
        services.AddSingleton<ChunkSearch>();
        services.AddSingleton<Retrieval.FileSearch.FileSearchRunner>();
        services.AddSingleton<FileIndexer>();
        services.AddHostedService(sp => sp.GetRequiredService<FileIndexer>());

        // :: Services
        services.AddSingleton<FileService>();
        services.AddSingleton<VectorStoreService>();
        services.AddSingleton<MessageFactory>();
        services.AddSingleton<AssistantService>();
        services.AddSingleton<ThreadService>();
        services.AddSingleton<MessageService>();
        services.AddSingleton<RunService>();
        services.AddSingleton<Responses.ResponseService>();
        return options;
    }
}
