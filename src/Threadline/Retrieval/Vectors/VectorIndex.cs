using System.Numerics.Tensors;

namespace Threadline.Retrieval;

/// <summary>
/// Exact nearest neighbours over unit vectors kept in one contiguous matrix: filled with
/// <see cref="Add"/>, then <see cref="Freeze"/>d and shared. A frozen index answers <see cref="Top"/>
/// from any number of threads; while it is being filled it belongs to one thread.
/// </summary>
internal sealed class VectorIndex
{
    private float[] _matrix;
    private long[] _ids;
    private bool _frozen;

    public VectorIndex(int dimensions, int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _matrix = new float[dimensions * Math.Max(1, capacity)];
        _ids = new long[Math.Max(1, capacity)];
    }

    public int Dimensions { get; }

    public int Count { get; private set; }

    /// <summary>The memory the vectors and their ids hold.</summary>
    public long Bytes => (long)_matrix.Length * sizeof(float) + (long)_ids.Length * sizeof(long);

    public void Add(long id, ReadOnlySpan<float> vector)
    {
        if (_frozen) throw new InvalidOperationException("The index is frozen.");
        if (vector.Length != Dimensions)
            throw new ArgumentException($"Expected {Dimensions} dimensions, got {vector.Length}.", nameof(vector));
        if (Count == _ids.Length)
        {
            Array.Resize(ref _ids, _ids.Length * 2);
            Array.Resize(ref _matrix, _ids.Length * Dimensions);
        }
        vector.CopyTo(_matrix.AsSpan(Count * Dimensions, Dimensions));
        _ids[Count++] = id;
    }

    /// <summary>No more additions; the spare capacity is given back.</summary>
    public VectorIndex Freeze()
    {
        if (_frozen) return this;
        Array.Resize(ref _ids, Count);
        Array.Resize(ref _matrix, Count * Dimensions);
        _frozen = true;
        return this;
    }

    /// <summary>
    /// The <paramref name="k"/> best dot products (cosines, for unit vectors), best first, among the ids
    /// <paramref name="allow"/> accepts (all when null).
    /// </summary>
    public IReadOnlyList<(long Id, float Score)> Top(ReadOnlySpan<float> query, int k, Func<long, bool>? allow = null)
    {
        if (query.Length != Dimensions)
            throw new ArgumentException($"Expected {Dimensions} dimensions, got {query.Length}.", nameof(query));
        if (k <= 0 || Count == 0) return [];

        // A min-heap of the best so far: its root is the score to beat.
        var best = new PriorityQueue<int, float>(k + 1);
        var matrix = _matrix.AsSpan(0, Count * Dimensions);
        for (var row = 0; row < Count; row++)
        {
            if (allow is not null && !allow(_ids[row])) continue;
            var score = TensorPrimitives.Dot(query, matrix.Slice(row * Dimensions, Dimensions));
            if (best.Count < k) best.Enqueue(row, score);
            else if (best.TryPeek(out _, out var worst) && score > worst) best.DequeueEnqueue(row, score);
        }

        var result = new (long Id, float Score)[best.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            best.TryDequeue(out var row, out var score);
            result[i] = (_ids[row], score);
        }
        return result;
    }
}
