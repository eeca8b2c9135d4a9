using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Threadline.Retrieval;

/// <summary>Embeddings as stored: float32, little-endian, nothing else (384 floats are 1,536 bytes).</summary>
internal static class EmbeddingBytes
{
    public static byte[] ToBytes(ReadOnlySpan<float> vector)
    {
        var bytes = MemoryMarshal.AsBytes(vector).ToArray();
        if (!BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(bytes.AsSpan()), MemoryMarshal.Cast<byte, int>(bytes.AsSpan()));
        return bytes;
    }

    public static float[] ToFloats(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
            throw new ArgumentException($"An embedding is a whole number of float32s; got {bytes.Length} bytes.", nameof(bytes));
        var vector = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        if (!BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(vector.AsSpan()), MemoryMarshal.Cast<float, int>(vector.AsSpan()));
        return vector;
    }
}
