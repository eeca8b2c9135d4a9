namespace Threadline.Retrieval;

/// <summary>
/// One window of a file's text. <see cref="Start"/> and <see cref="Length"/> place <see cref="Text"/> in the
/// extracted text, so a citation can quote it exactly.
/// </summary>
internal sealed record TextChunk(int Index, string Text, int Tokens)
{
    public int Start { get; init; }

    public int Length => Text.Length;
}
