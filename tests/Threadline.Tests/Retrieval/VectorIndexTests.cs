using System.Diagnostics;
using System.Numerics.Tensors;
using Threadline.Retrieval;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Retrieval;

public sealed class VectorIndexTests(ITestOutputHelper output)
{
    private static float[] RandomUnit(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < v.Length; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    [Fact]
    public void Top_matches_brute_force_with_and_without_a_filter()
    {
        var random = new Random(7);
        var vectors = Enumerable.Range(0, 2_000).Select(_ => RandomUnit(random, 384)).ToList();
        var index = new VectorIndex(384);
        for (var i = 0; i < vectors.Count; i++) index.Add(1000 + i, vectors[i]);
        index.Freeze();
        var query = RandomUnit(random, 384);

        foreach (var allow in new Func<long, bool>?[] { null, id => id % 3 == 0 })
        {
            var expected = vectors.Select((v, i) => (Id: 1000L + i, Score: TensorPrimitives.Dot(query, v)))
                .Where(c => allow is null || allow(c.Id)).OrderByDescending(c => c.Score).Take(20).ToList();

            var actual = index.Top(query, 20, allow);

            Assert.Equal(expected.Select(c => c.Id), actual.Select(c => c.Id));
            Assert.Equal(expected.Select(c => c.Score), actual.Select(c => c.Score));
        }
        Assert.Equal(2_000, index.Count);
        Assert.Equal(2_000L * (384 * 4 + 8), index.Bytes);
    }

    [Fact]
    public void Fewer_vectors_than_k_come_back_all_best_first_and_a_frozen_index_takes_no_more()
    {
        var index = new VectorIndex(2);
        index.Add(1, [1, 0]);
        index.Add(2, [0, 1]);
        index.Add(3, [0.6f, 0.8f]);

        Assert.Equal([2L, 3L, 1L], index.Top([0, 1], 10).Select(c => c.Id));
        Assert.Empty(index.Top([0, 1], 0));
        Assert.Throws<ArgumentException>(() => index.Add(4, [1, 0, 0]));
        index.Freeze();
        Assert.Throws<InvalidOperationException>(() => index.Add(4, [1, 0]));
    }

    [Fact]
    public void Top_20_of_100000_vectors_of_384()
    {
        var random = new Random(11);
        var index = new VectorIndex(384, capacity: 100_000);
        for (var i = 0; i < 100_000; i++) index.Add(i, RandomUnit(random, 384));
        index.Freeze();
        var query = RandomUnit(random, 384);
        // Enough calls for the JIT to reach its optimized tier, as a server's would.
        for (var i = 0; i < 20; i++) index.Top(query, 20);

        var watch = Stopwatch.StartNew();
        const int runs = 10;
        for (var i = 0; i < runs; i++) index.Top(query, 20);
        watch.Stop();

        output.WriteLine($"100,000 x 384, top 20: {watch.Elapsed.TotalMilliseconds / runs:F1} ms a query; {index.Bytes / 1e6:F0} MB");
        Assert.Equal(20, index.Top(query, 20).Count);
    }

    [Fact]
    public void Embedding_bytes_round_trip_little_endian()
    {
        float[] vector = [1f, -0.5f, 3.25f];

        var bytes = EmbeddingBytes.ToBytes(vector);

        Assert.Equal(12, bytes.Length);
        Assert.Equal([0x00, 0x00, 0x80, 0x3F], bytes[..4]);
        Assert.Equal(vector, EmbeddingBytes.ToFloats(bytes));
        Assert.Throws<ArgumentException>(() => EmbeddingBytes.ToFloats(new byte[5]));
    }
}
