using System.Text.Json.Nodes;

namespace Threadline.FakeUpstream;

/// <summary>The fake's mutable state: behaviours to play, requests seen, and who waits for them. Thread-safe.</summary>
internal sealed class FakeUpstreamState(FakeBehavior initialDefault)
{
    private readonly Lock _gate = new();
    private readonly Queue<FakeBehavior> _queue = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<Waiter> _waiters = [];
    private readonly FakeBehavior _initialDefault = initialDefault;
    private FakeBehavior _default = initialDefault;
    private Func<JsonNode, FakeBehavior?>? _selector;
    private string? _requiredApiKey;
    private long _sequence;

    public FakeBehavior Default
    {
        get { lock (_gate) { return _default; } }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_gate) { _default = value; }
        }
    }

    public Func<JsonNode, FakeBehavior?>? Selector
    {
        get { lock (_gate) { return _selector; } }
        set { lock (_gate) { _selector = value; } }
    }

    /// <summary>The length of the embeddings of a request that names no <c>dimensions</c>. Default <see cref="EmbeddingsWire.DefaultDimensions"/>.</summary>
    public int EmbeddingDimensions
    {
        get { lock (_gate) { return _embeddingDimensions; } }
        set { lock (_gate) { _embeddingDimensions = value; } }
    }

    private int _embeddingDimensions = EmbeddingsWire.DefaultDimensions;

    public string? RequiredApiKey
    {
        get { lock (_gate) { return _requiredApiKey; } }
        set { lock (_gate) { _requiredApiKey = value; } }
    }

    public int PendingBehaviors
    {
        get { lock (_gate) { return _queue.Count; } }
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    public void Enqueue(FakeBehavior behavior)
    {
        ArgumentNullException.ThrowIfNull(behavior);
        lock (_gate) { _queue.Enqueue(behavior); }
    }

    /// <summary>The next queued behaviour, else the selector's choice, else the default.</summary>
    public FakeBehavior Choose(JsonNode request)
    {
        Func<JsonNode, FakeBehavior?>? selector;
        FakeBehavior fallback;
        lock (_gate)
        {
            if (_queue.TryDequeue(out var queued))
            {
                return queued;
            }

            selector = _selector;
            fallback = _default;
        }

        return selector?.Invoke(request) ?? fallback;
    }

    public RecordedRequest Record(string method, string path, string queryString,
        IReadOnlyDictionary<string, string> headers, string rawBody, JsonNode? body)
    {
        List<Waiter> matched = [];
        RecordedRequest request;
        lock (_gate)
        {
            request = new RecordedRequest(++_sequence, method, path, queryString, headers, rawBody, body, DateTimeOffset.UtcNow);
            _requests.Add(request);
            foreach (var waiter in _waiters)
            {
                if (waiter.Matches(request))
                {
                    matched.Add(waiter);
                }
            }

            _waiters.RemoveAll(matched.Contains);
        }

        foreach (var waiter in matched)
        {
            waiter.Completion.TrySetResult(request);
        }

        return request;
    }

    public async Task<RecordedRequest> WaitForRequestAsync(Func<RecordedRequest, bool>? match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(match);
        lock (_gate)
        {
            foreach (var request in _requests)
            {
                if (waiter.Matches(request))
                {
                    return request;
                }
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seen = Requests;
            var list = seen.Count == 0 ? " none" : Environment.NewLine + string.Join(Environment.NewLine, seen.Select(r => "  " + r));
            throw new TimeoutException($"The fake upstream received no matching request within {timeout}. Received:{list}");
        }
        finally
        {
            lock (_gate) { _waiters.Remove(waiter); }
        }
    }

    /// <summary>Forget requests and queued behaviours; restore the default, selector and key check of the start.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _requests.Clear();
            _queue.Clear();
            _sequence = 0;
            _default = _initialDefault;
            _selector = null;
            _requiredApiKey = null;
        }
    }

    /// <summary>Fail every pending wait (the server is going away).</summary>
    public void FailWaiters(Exception error)
    {
        List<Waiter> waiters;
        lock (_gate)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.Completion.TrySetException(error);
        }
    }

    private sealed class Waiter(Func<RecordedRequest, bool>? match)
    {
        public TaskCompletionSource<RecordedRequest> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Whether the request matches; a predicate that throws fails the wait with its exception.</summary>
        public bool Matches(RecordedRequest request)
        {
            try
            {
                return match is null || match(request);
            }
            catch (Exception ex)
            {
                Completion.TrySetException(ex);
                return false;
            }
        }
    }
}
