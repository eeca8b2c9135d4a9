using System.Buffers;
using System.Text;
using System.Text.Json;
using Threadline.Domain;

namespace Threadline.Runs;

/// <summary>A function call the model asked for, its arguments exactly as the model wrote them.</summary>
internal sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>The stored JSON of tool calls: a <c>tool_calls</c> step's details and a run's <c>required_action</c>.</summary>
internal static class ToolCallJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = WireEscaping.Options.Encoder };

    /// <summary><c>{"type":"tool_calls","tool_calls":[{id,type:"function",function:{name,arguments,output}}]}</c>.</summary>
    public static RawJson StepDetails(IReadOnlyList<ToolCall> calls, IReadOnlyDictionary<string, string>? outputs = null) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "tool_calls");
        w.WritePropertyName("tool_calls");
        Calls(w, calls, withOutput: true, outputs);
        w.WriteEndObject();
    });

    /// <summary><c>{"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[...]}}</c>.</summary>
    public static RawJson RequiredAction(IReadOnlyList<ToolCall> calls) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "submit_tool_outputs");
        w.WriteStartObject("submit_tool_outputs");
        w.WritePropertyName("tool_calls");
        Calls(w, calls, withOutput: false, null);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>A stored step's calls as a stream delta announces them: each with its <c>index</c> first.</summary>
    public static RawJson Delta(RawJson stepDetails)
    {
        var calls = Read(stepDetails);
        var outputs = Outputs(stepDetails);
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_calls");
            w.WritePropertyName("tool_calls");
            Calls(w, calls, withOutput: true, outputs, indexed: true);
            w.WriteEndObject();
        });
    }

    /// <summary>The calls of a stored step's details.</summary>
    public static List<ToolCall> Read(RawJson stepDetails)
    {
        using var document = JsonDocument.Parse(stepDetails.Text);
        var calls = new List<ToolCall>();
        if (!document.RootElement.TryGetProperty("tool_calls", out var list) || list.ValueKind != JsonValueKind.Array)
            return calls;
        foreach (var call in list.EnumerateArray())
        {
            if (!call.TryGetProperty("function", out var function))
                continue;
            calls.Add(new ToolCall(call.GetProperty("id").GetString()!, function.GetProperty("name").GetString()!,
                function.TryGetProperty("arguments", out var a) ? a.GetString() ?? "" : ""));
        }
        return calls;
    }

    /// <summary>The outputs submitted so far for a stored step's calls, by call id.</summary>
    public static Dictionary<string, string> Outputs(RawJson stepDetails)
    {
        using var document = JsonDocument.Parse(stepDetails.Text);
        var outputs = new Dictionary<string, string>();
        if (document.RootElement.TryGetProperty("tool_calls", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var call in list.EnumerateArray())
                if (call.TryGetProperty("function", out var f) && f.TryGetProperty("output", out var o) && o.ValueKind == JsonValueKind.String)
                    outputs[call.GetProperty("id").GetString()!] = o.GetString()!;
        return outputs;
    }

    private static void Calls(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls, bool withOutput, IReadOnlyDictionary<string, string>? outputs,
        bool indexed = false)
    {
        w.WriteStartArray();
        for (var i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            w.WriteStartObject();
            if (indexed)
                w.WriteNumber("index", i);
            w.WriteString("id", call.Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.Arguments);
            if (withOutput)
            {
                if (outputs is not null && outputs.TryGetValue(call.Id, out var output))
                    w.WriteString("output", output);
                else
                    w.WriteNull("output");
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static RawJson Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
            write(writer);
        return RawJson.Trusted(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
