using System.Diagnostics.Metrics;

namespace Threadline.Telemetry;

/// <summary>
/// The latencies users feel, as histograms in milliseconds (exported at <c>/metrics</c>): how long a
/// run waited in its queue, how fast a thread's next run follows the previous one, how late a
/// debounced run starts, and the model's time to first token.
/// </summary>
internal sealed class ThreadlineMetrics
{
    public const string MeterName = "Threadline";

    /// <summary>Bucket bounds fine enough to read a p99 of a few milliseconds.</summary>
    public static readonly double[] Buckets =
        [0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _handoff;
    private readonly Histogram<double> _debounceLateness;
    private readonly Histogram<double> _timeToFirstToken;

    public ThreadlineMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _queueWait = meter.CreateHistogram<double>("threadline.run.queue_wait", "ms",
            "From the moment a run could start (made, or its debounce ended) to its start.");
        _handoff = meter.CreateHistogram<double>("threadline.run.handoff", "ms",
            "From the end of a thread's previous run to the model call of the run that waited for it.");
        _debounceLateness = meter.CreateHistogram<double>("threadline.run.debounce_lateness", "ms",
            "How long after its quiet period ended a debounced run started.");
        _timeToFirstToken = meter.CreateHistogram<double>("threadline.model.time_to_first_token", "ms",
            "From the model call to its first text.");
    }

    public void QueueWait(double ms) => _queueWait.Record(Math.Max(0, ms));
    public void Handoff(double ms) => _handoff.Record(Math.Max(0, ms));
    public void DebounceLateness(double ms) => _debounceLateness.Record(Math.Max(0, ms));
    public void TimeToFirstToken(double ms) => _timeToFirstToken.Record(Math.Max(0, ms));
}
