using Threadline.Domain;

namespace Threadline.Queue;

/// <summary>Wakes the run scheduler: a run was made, a debounce deadline moved, a run ended.</summary>
internal sealed class SchedulerSignal : WakeSignal;
