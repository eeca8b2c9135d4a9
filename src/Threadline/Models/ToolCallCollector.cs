using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using Threadline.Runs;

namespace Threadline.Models;

/// <summary>
/// Collects a streamed answer's tool calls with their arguments exactly as the model wrote them.
/// Microsoft.Extensions.AI parses arguments into a dictionary (malformed JSON is lost, numbers are
/// reformatted); the raw text comes from the OpenAI updates underneath, or from a client that puts
/// the text in <see cref="AIContent.RawRepresentation"/> (the built-in model).
/// </summary>
internal sealed class ToolCallCollector
{
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _raw = [];
    private readonly List<FunctionCallContent> _parsed = [];

    public void Add(ChatResponseUpdate update)
    {
        if (update.RawRepresentation is StreamingChatCompletionUpdate openAi)
        {
            foreach (var piece in openAi.ToolCallUpdates)
            {
                var (id, name, arguments) = _raw.TryGetValue(piece.Index, out var call) ? call : (null, null, new StringBuilder());
                if (piece.FunctionArgumentsUpdate is { } text && !text.IsEmpty)
                    arguments.Append(text.ToString());
                _raw[piece.Index] = (piece.ToolCallId ?? id, piece.FunctionName ?? name, arguments);
            }
        }
        _parsed.AddRange(update.Contents.OfType<FunctionCallContent>());
    }

    public IReadOnlyList<ToolCall> Calls()
    {
        if (_raw.Count > 0)
        {
            return _raw.Values.Select((c, i) => new ToolCall(
                c.Id ?? _parsed.ElementAtOrDefault(i)?.CallId ?? Domain.Ids.Call(),
                c.Name ?? _parsed.ElementAtOrDefault(i)?.Name ?? "",
                c.Arguments.ToString())).ToList();
        }
        return _parsed.Select(c => new ToolCall(c.CallId, c.Name,
            c.RawRepresentation as string ?? JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), Queue.ChatJsonContext.Default.DictionaryStringObject!))).ToList();
    }
}
