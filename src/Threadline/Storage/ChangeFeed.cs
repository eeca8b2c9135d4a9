using System.Collections.Concurrent;
using Threadline.Domain;

namespace Threadline.Storage;

/// <summary>
/// The one wake mechanism: the store publishes what each committed write changed, and every loop
/// (scheduler, dispatcher, streams) subscribes to the topics it cares about instead of being woken
/// by hand or polling. Changes made by another process on the same database arrive as
/// <see cref="PublishExternal"/>, which wakes everyone (in-process the store only learns that
/// something changed, not what).
/// </summary>
internal sealed class ChangeFeed
{
    private readonly ConcurrentDictionary<ChangeTopic, ImmutableList> _subscribers = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _runWaiters = new();

    public WakeSignal Subscribe(ChangeTopic topic)
    {
        var signal = new WakeSignal();
        Subscribe(signal, topic);
        return signal;
    }

    /// <summary>Wakes <paramref name="signal"/> on changes of any of <paramref name="topics"/>; a subscriber that goes away must <see cref="Unsubscribe"/>.</summary>
    public void Subscribe(WakeSignal signal, params ReadOnlySpan<ChangeTopic> topics)
    {
        foreach (var topic in topics)
            _subscribers.AddOrUpdate(topic, _ => new ImmutableList([signal]), (_, list) => list.With(signal));
    }

    public void Unsubscribe(WakeSignal signal)
    {
        foreach (var topic in _subscribers.Keys)
        {
            while (_subscribers.TryGetValue(topic, out var list) && list.Contains(signal))
                if (_subscribers.TryUpdate(topic, list.Without(signal), list))
                    break;
        }
    }

    /// <summary>Subscribers of <paramref name="topic"/> (for tests of bounded growth).</summary>
    public int SubscriberCount(ChangeTopic topic) => _subscribers.TryGetValue(topic, out var list) ? list.Count : 0;

    /// <summary>Completes at the next change announced for the run (or from another process); waiters share one task.</summary>
    public Task WhenRunChangesAsync(string runId) =>
        _runWaiters.GetOrAdd(runId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>
    /// The wait is given up (the run ended, or went): a run that will not change again must not keep its
    /// waiter for ever. Anyone sharing the wait is woken, to look again and wait afresh if need be.
    /// </summary>
    public void StopWaiting(string runId, Task waiter)
    {
        if (_runWaiters.TryGetValue(runId, out var shared) && shared.Task == waiter && _runWaiters.TryRemove(KeyValuePair.Create(runId, shared)))
            shared.TrySetResult();
    }

    public void Publish(IReadOnlyList<StoreChange> changes)
    {
        if (changes.Count == 0)
            return;
        var topics = 0;
        foreach (var change in changes)
        {
            topics |= 1 << (int)change.Topic;
            if (change.RunId is { } runId && _runWaiters.TryRemove(runId, out var waiter))
                waiter.TrySetResult();
        }
        foreach (var (topic, list) in _subscribers)
            if ((topics & (1 << (int)topic)) != 0)
                list.WakeAll();
    }

    /// <summary>Another process committed something: everyone looks again.</summary>
    public void PublishExternal()
    {
        foreach (var (_, list) in _subscribers)
            list.WakeAll();
        foreach (var runId in _runWaiters.Keys)
            if (_runWaiters.TryRemove(runId, out var waiter))
                waiter.TrySetResult();
    }

    /// <summary>How many runs have a waiter (for tests of bounded growth).</summary>
    public int RunWaiterCount => _runWaiters.Count;

    private sealed class ImmutableList(WakeSignal[] signals)
    {
        public ImmutableList With(WakeSignal signal) => new([.. signals, signal]);

        public ImmutableList Without(WakeSignal signal) => new(Array.FindAll(signals, s => s != signal));

        public bool Contains(WakeSignal signal) => Array.IndexOf(signals, signal) >= 0;

        public int Count => signals.Length;

        public void WakeAll()
        {
            foreach (var signal in signals)
                signal.Wake();
        }
    }
}
