using System.Diagnostics.Metrics;

namespace Threadline.Telemetry;

/// <summary>
/// The latencies users feel, as histograms in milliseconds (exported at <c>/metrics</c>): how long a
/// run waited in its queue, how fast a thread's next run follows the previous one, how late a
/// debounced run starts, and the model's time to first token; and the store writer's load: how many
/// writes wait, how many share a commit, how long a batch takes, how many pages it read past its page
/// cache; and what streams hold in memory.
/// </summary>
internal sealed class ThreadlineMetrics
{
    public const string MeterName = "Threadline";
    public const string WriterBatchSize = "threadline.store.writer.batch_size";
    public const string WriterQueueDepth = "threadline.store.writer.queue_depth";
    public const string WriterCacheMisses = "threadline.store.writer.page_cache_misses";

    /// <summary>The runtime's own meter: GC heap sizes after the last collection, committed memory, collections, working set.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>Kestrel's buffer pool: bytes pooled, allocated and evicted.</summary>
    public const string MemoryPoolMeterName = "Microsoft.AspNetCore.MemoryPool";

    /// <summary>Bucket bounds fine enough to read a p99 of a few milliseconds.</summary>
    public static readonly double[] Buckets =
        [0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

    /// <summary>Writes per commit: powers of two up to the writer's batch limit.</summary>
    public static readonly double[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    /// <summary>Writes waiting: up to the writer's queue bound.</summary>
    public static readonly double[] QueueDepthBuckets = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384];

    private readonly Meter _meter;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _handoff;
    private readonly Histogram<double> _debounceLateness;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<int> _queueDepth;
    private readonly Histogram<double> _batchTime;
    private readonly Counter<long> _cacheMisses;

    public ThreadlineMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _queueWait = _meter.CreateHistogram<double>("threadline.run.queue_wait", "ms",
            "From the moment a run could start (made, or its debounce ended) to its start.");
        _handoff = _meter.CreateHistogram<double>("threadline.run.handoff", "ms",
            "From the end of a thread's previous run (its durable commit, when the run was handed to the same slot) to the model call of the run that waited for it.");
        _debounceLateness = _meter.CreateHistogram<double>("threadline.run.debounce_lateness", "ms",
            "How long after its quiet period ended a debounced run started.");
        _timeToFirstToken = _meter.CreateHistogram<double>("threadline.model.time_to_first_token", "ms",
            "From the model call to its first text.");
        _batchSize = _meter.CreateHistogram<int>(WriterBatchSize, null, "Writes made durable by one commit (group commit).");
        _queueDepth = _meter.CreateHistogram<int>(WriterQueueDepth, null, "Writes waiting for the store's writer when a batch starts.");
        _batchTime = _meter.CreateHistogram<double>("threadline.store.writer.batch_ms", "ms",
            "From the start of a write batch to its durable commit.");
        _cacheMisses = _meter.CreateCounter<long>(WriterCacheMisses, null,
            "Pages the SQLite writer read from the file (or its WAL) because they were not in its page cache.");
    }

    /// <summary>A count read at each scrape: what the process holds now (event logs, the streams reading them).</summary>
    public void Observe(string name, string description, Func<int> read) => _meter.CreateObservableGauge(name, read, null, description);

    public void QueueWait(double ms) => _queueWait.Record(Math.Max(0, ms));
    public void Handoff(double ms) => _handoff.Record(Math.Max(0, ms));
    public void DebounceLateness(double ms) => _debounceLateness.Record(Math.Max(0, ms));
    public void TimeToFirstToken(double ms) => _timeToFirstToken.Record(Math.Max(0, ms));

    /// <param name="waiting">Writes queued when the batch started (the batch's own included).</param>
    public void WriterBatch(int waiting, int writes, double ms)
    {
        _queueDepth.Record(waiting);
        _batchSize.Record(writes);
        _batchTime.Record(ms);
    }

    public void WriterCacheMissed(long pages)
    {
        if (pages > 0)
            _cacheMisses.Add(pages);
    }
}
