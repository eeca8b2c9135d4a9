namespace Threadline.Bench.Infrastructure;

/// <summary>
/// The store writer's histograms between two scrapes, when the server exposes them:
/// <c>threadline_store_writer_queue_depth</c> (writes waiting when a batch starts),
/// <c>threadline_store_writer_batch_size</c> (writes per commit; its sum is the number of writes) and
/// <c>threadline_store_writer_batch_ms</c> (time per batch, commit included).
/// </summary>
internal sealed record WriterMetrics(BucketHistogram? QueueDepth, BucketHistogram? BatchSize, BucketHistogram? BatchMs)
{
    public const string QueueDepthName = "threadline_store_writer_queue_depth";
    public const string BatchSizeName = "threadline_store_writer_batch_size";
    public const string BatchMsName = "threadline_store_writer_batch_ms";
    /// <summary>Pages the SQLite writer read past its page cache (a counter).</summary>
    public const string CacheMissesName = "threadline_store_writer_page_cache_misses_total";

    public static WriterMetrics Between(PrometheusScrape before, PrometheusScrape after) => new(
        Delta(before, after, QueueDepthName), Delta(before, after, BatchSizeName), Delta(before, after, BatchMsName));

    /// <summary>Writes the writer ran (the batch sizes' sum), or null when the batch size is not exposed.</summary>
    public double? Writes => BatchSize?.Sum;

    /// <summary>"mean / p50 / p99 (n batches)" of one histogram, or "not exposed".</summary>
    public static string Describe(BucketHistogram? h) => h is null
        ? "not exposed"
        : $"{Reporting.Format.Value(h.Mean)} / {Reporting.Format.Value(h.Percentile(0.5))} / {Reporting.Format.Value(h.Percentile(0.99))} (n = {h.Count:0})";

    private static BucketHistogram? Delta(PrometheusScrape before, PrometheusScrape after, string name) =>
        after.Find(name) is { } end ? end.Minus(before.Find(name) ?? BucketHistogram.Empty) : null;
}
