using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Threadline.FakeUpstream;

/// <summary>Token counts of one completion, in the Chat Completions <c>usage</c> shape.</summary>
internal readonly record struct Usage(int PromptTokens, int CompletionTokens);

/// <summary>A tool call to emit, with its generated id and its arguments cut into streamed pieces.</summary>
internal sealed record PlannedToolCall(string Id, string Name, string Arguments, IReadOnlyList<string> ArgumentPieces);

/// <summary>
/// Writes the Chat Completions wire format as the real API sends it: <c>chat.completion</c> objects and
/// <c>chat.completion.chunk</c> server-sent events, fields in the API's order.
/// </summary>
internal sealed class ChatWire(string id, long created, string model, bool usageOnEveryChunk)
{
    public const string SystemFingerprint = "fp_fakeupstream";

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    public static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    /// <summary>The first chunk of a text answer: <c>{"role":"assistant","content":"","refusal":null}</c>.</summary>
    public ReadOnlyMemory<byte> RoleChunk() => Chunk(w =>
    {
        w.WriteString("role", "assistant");
        w.WriteString("content", "");
        w.WriteNull("refusal");
    }, finishReason: null);

    public ReadOnlyMemory<byte> ContentChunk(string text) => Chunk(w => w.WriteString("content", text), finishReason: null);

    /// <summary>
    /// The chunk that opens tool call <paramref name="index"/>: id, type, name and empty arguments; the
    /// first one also carries the role (and <c>content: null</c>).
    /// </summary>
    public ReadOnlyMemory<byte> ToolCallStartChunk(int index, PlannedToolCall call) => Chunk(w =>
    {
        if (index == 0)
        {
            w.WriteString("role", "assistant");
            w.WriteNull("content");
        }

        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteString("id", call.Id);
        w.WriteString("type", "function");
        w.WriteStartObject("function");
        w.WriteString("name", call.Name);
        w.WriteString("arguments", "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        if (index == 0)
        {
            w.WriteNull("refusal");
        }
    }, finishReason: null);

    public ReadOnlyMemory<byte> ToolCallArgumentsChunk(int index, string piece) => Chunk(w =>
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("function");
        w.WriteString("arguments", piece);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }, finishReason: null);

    /// <summary>The last chunk with a choice: empty delta and the finish reason.</summary>
    public ReadOnlyMemory<byte> FinishChunk(string finishReason) => Chunk(static _ => { }, finishReason);

    /// <summary>The <c>include_usage</c> chunk: no choices, the usage.</summary>
    public ReadOnlyMemory<byte> UsageChunk(Usage usage)
    {
        _buffer.ResetWrittenCount();
        _buffer.Write(DataPrefix);
        using (var w = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            WriteChunkHeader(w);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            WriteUsage(w, usage);
            w.WriteEndObject();
        }

        _buffer.Write(EventEnd);
        return _buffer.WrittenMemory;
    }

    /// <summary>A whole <c>chat.completion</c> with text content.</summary>
    public byte[] Completion(string content, string finishReason, Usage usage) =>
        CompletionCore(w =>
        {
            w.WriteString("content", content);
            w.WriteNull("refusal");
            w.WriteStartArray("annotations");
            w.WriteEndArray();
        }, finishReason, usage);

    /// <summary>A whole <c>chat.completion</c> with tool calls (<c>content: null</c>).</summary>
    public byte[] Completion(IReadOnlyList<PlannedToolCall> calls, Usage usage) =>
        CompletionCore(w =>
        {
            w.WriteNull("content");
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", call.Id);
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", call.Name);
                w.WriteString("arguments", call.Arguments);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNull("refusal");
            w.WriteStartArray("annotations");
            w.WriteEndArray();
        }, "tool_calls", usage);

    /// <summary>The OpenAI error envelope: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static byte[] Error(string message, string type, string? param, string? code)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            if (param is null) { w.WriteNull("param"); } else { w.WriteString("param", param); }
            if (code is null) { w.WriteNull("code"); } else { w.WriteString("code", code); }
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private byte[] CompletionCore(Action<Utf8JsonWriter> writeMessageBody, string finishReason, Usage usage)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", created);
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            writeMessageBody(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, usage);
            w.WriteString("service_tier", "default");
            w.WriteString("system_fingerprint", SystemFingerprint);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// One <c>data: {chunk}\n\n</c> event. The memory is reused by the next call: write it out first.
    /// </summary>
    private ReadOnlyMemory<byte> Chunk(Action<Utf8JsonWriter> writeDelta, string? finishReason)
    {
        _buffer.ResetWrittenCount();
        _buffer.Write(DataPrefix);
        using (var w = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            WriteChunkHeader(w);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            writeDelta(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            if (finishReason is null) { w.WriteNull("finish_reason"); } else { w.WriteString("finish_reason", finishReason); }
            w.WriteEndObject();
            w.WriteEndArray();
            if (usageOnEveryChunk)
            {
                w.WriteNull("usage");
            }

            w.WriteEndObject();
        }

        _buffer.Write(EventEnd);
        return _buffer.WrittenMemory;
    }

    private void WriteChunkHeader(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteString("service_tier", "default");
        w.WriteString("system_fingerprint", SystemFingerprint);
    }

    private static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.PromptTokens);
        w.WriteNumber("completion_tokens", usage.CompletionTokens);
        w.WriteNumber("total_tokens", usage.PromptTokens + usage.CompletionTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", 0);
        w.WriteNumber("audio_tokens", 0);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", 0);
        w.WriteNumber("audio_tokens", 0);
        w.WriteNumber("accepted_prediction_tokens", 0);
        w.WriteNumber("rejected_prediction_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
