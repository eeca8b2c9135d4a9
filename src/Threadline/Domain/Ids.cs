using System.Security.Cryptography;

namespace Threadline.Domain;

/// <summary>Object ids with the hosted prefixes (<c>asst_</c>, <c>thread_</c>, <c>msg_</c>, <c>run_</c>, <c>step_</c>, <c>call_</c>).</summary>
/// <remarks>
/// Twenty-four characters after the prefix, as hosted: eight that encode the creation time in
/// milliseconds, then sixteen random ones (95 bits, so ids stay unguessable). The time comes first,
/// in an alphabet whose characters sort as their values, so each unique index on <c>id</c> grows at
/// its right edge like the <c>seq</c> it sits beside: a random id put every insert on a random leaf,
/// and on a store of a million messages that leaf is rarely in cache (issue 15, finding 8). Nothing
/// reads the time back: order in lists is <c>seq</c>, and clients treat ids as opaque.
/// </remarks>
internal static class Ids
{
    // ASCII order, so that byte-wise comparison (SQLite's BINARY, PostgreSQL's "C") orders by time.
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int TimeChars = 8; // 62^8 ms is about 6,900 years
    private const int RandomChars = 16;

    public static string New(string prefix) => New(prefix, '_');

    /// <summary>A file: hosted file ids are <c>file-</c> and not <c>file_</c>.</summary>
    public static string File() => New("file", '-');
    public static string VectorStore() => New("vs");
    public static string FileBatch() => New("vsfb");

    private static string New(string prefix, char separator)
    {
        Span<char> id = stackalloc char[prefix.Length + 1 + TimeChars + RandomChars];
        prefix.CopyTo(id);
        id[prefix.Length] = separator;
        var time = id.Slice(prefix.Length + 1, TimeChars);
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = TimeChars - 1; i >= 0; i--)
        {
            time[i] = Alphabet[(int)(ms % Alphabet.Length)];
            ms /= Alphabet.Length;
        }
        RandomNumberGenerator.GetItems(Alphabet, id[(prefix.Length + 1 + TimeChars)..]);
        return new string(id);
    }

    public static string Assistant() => New("asst");
    public static string Thread() => New("thread");
    /// <summary>A thread made through the Conversations API: the same object, under the hosted prefix.</summary>
    public static string Conversation() => New("conv");
    public static string Message() => New("msg");

    /// <summary>A conversation item's id by its kind: function calls and their outputs are not messages on the Responses API's wire.</summary>
    public static string Item(string role) => role switch
    {
        Messages.MessageRole.FunctionCall => New("fc"),
        Messages.MessageRole.FunctionCallOutput => New("fco"),
        _ => Message(),
    };
    public static string Run() => New("run");
    /// <summary>A run made through the Responses API: a response.</summary>
    public static string Response() => New("resp");
    public static string Step() => New("step");
    public static string Call() => New("call");
}
