using System.Globalization;
using System.Text;
using Threadline.Runs;
using Threadline.Streaming;

namespace Threadline.Storage.Postgres;

/// <summary>
/// The relay's messages, as <c>NOTIFY</c> payloads on <see cref="Channel"/> (text under 8000 bytes):
/// <list type="bullet">
/// <item><c>?|run|attempt</c>: a node wants the events of that execution (the node running it relays them, from the first).</item>
/// <item><c>e|run|attempt|seq|part|parts|body</c>: events from number <c>seq</c> on; <c>body</c> is the events one per line,
/// or, for an event too long for one payload, its <c>part</c>-th piece of <c>parts</c>.</item>
/// <item><c>z|run|attempt|count</c>: the execution's log closed after <c>count</c> events.</item>
/// </list>
/// An event is <c>flags␝step␝frames</c>, its frames <c>name␞json</c> joined by ␟: JSON text never holds these
/// control characters, nor a raw newline.
/// </summary>
internal static class PostgresRelayMessage
{
    public const string Channel = "threadline_relay";

    /// <summary>Room for the header under NOTIFY's 8000-byte limit, counted in UTF-16 units of at most 3 bytes each.</summary>
    public const int MaxBodyChars = 2_400;

    public static string Watch(string runId, int attempt) => $"?|{runId}|{attempt}";

    public static string Closed(string runId, int attempt, int count) => $"z|{runId}|{attempt}|{count}";

    public static string Events(string runId, int attempt, int seq, int part, int parts, string body) =>
        $"e|{runId}|{attempt}|{seq}|{part}|{parts}|{body}";

    public static string Encode(RelayedEvent e)
    {
        var text = new StringBuilder();
        text.Append(e.EndsStream ? 'x' : '-').Append(e.StartsExecution ? 'i' : '-').Append('\u001d').Append(e.OpensStep).Append('\u001d');
        var frames = (SseFrame[])e.Projections[Surface.Assistants]!;
        for (var i = 0; i < frames.Length; i++)
        {
            if (i > 0)
                text.Append('\u001f');
            text.Append(frames[i].Event).Append('\u001e').Append(Encoding.UTF8.GetString(frames[i].Data));
        }
        return text.ToString();
    }

    public static RelayedEvent Decode(string text)
    {
        var parts = text.Split('\u001d', 3);
        var frames = parts[2].Length == 0 ? [] : parts[2].Split('\u001f').Select(f =>
        {
            var at = f.IndexOf('\u001e', StringComparison.Ordinal);
            return new SseFrame(f[..at], Encoding.UTF8.GetBytes(f[(at + 1)..]));
        }).ToArray();
        return new RelayedEvent(frames, parts[0][0] == 'x', parts[0][1] == 'i', parts[1].Length > 0 ? parts[1] : null);
    }

    /// <summary>Pieces of at most <see cref="MaxBodyChars"/>, never splitting a surrogate pair (a payload must be valid UTF-8).</summary>
    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        for (var at = 0; at < text.Length;)
        {
            var length = Math.Min(MaxBodyChars, text.Length - at);
            if (at + length < text.Length && char.IsHighSurrogate(text[at + length - 1]))
                length--;
            pieces.Add(text.Substring(at, length));
            at += length;
        }
        return pieces;
    }

    public static int Int(string s) => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
}
