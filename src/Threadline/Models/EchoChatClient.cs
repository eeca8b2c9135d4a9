using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Threadline.Domain;
using Threadline.Retrieval.FileSearch;

namespace Threadline.Models;

/// <summary>
/// The built-in deterministic model. <c>echo</c> replies with the text of every user message after
/// the last assistant message, joined by <c>\n</c>, in several chunks; <c>echo:&lt;ms&gt;</c> takes about
/// that long. A last user message <c>call:&lt;name&gt; &lt;json&gt;</c> asks for that function tool, when the
/// run offers it; once the outputs are in, it replies <c>&lt;name&gt; returned: &lt;output&gt;</c> per call.
/// A last user message <c>search:&lt;query&gt;</c> calls <c>file_search</c> with that query, when the run
/// has the tool, and replies with the best result's text followed by its source marker (cited as a
/// <c>file_citation</c>), or <c>no results</c>.
/// </summary>
internal sealed partial class EchoChatClient(TimeProvider time) : IChatClient
{
    public const string ModelName = "echo";
    private const int Chunks = 4;

    public static bool Serves(string model) =>
        model == ModelName || (model.StartsWith(ModelName + ":", StringComparison.Ordinal) && DelayOf(model) is not null);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
            updates.Add(update);
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var delay = TimeSpan.FromMilliseconds(DelayOf(options?.ModelId ?? ModelName) ?? 0);
        var input = history.Sum(m => Tokens(m.Text));

        if (ToolCallAskedFor(history, options) is { } call)
        {
            await Task.Delay(delay, time, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, [call, Usage(input, Tokens(call.Name))]);
            yield break;
        }

        var reply = Reply(history);
        var pieces = Split(reply);
        foreach (var piece in pieces)
        {
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay / pieces.Count, time, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = options?.ModelId };
        }
        yield return new ChatResponseUpdate(ChatRole.Assistant, [Usage(input, Tokens(reply))]);
    }

    /// <summary>What follows the last assistant turn: tool results when the turn called tools, else the user messages.</summary>
    private static string Reply(List<ChatMessage> history)
    {
        var lastAssistant = history.FindLastIndex(m => m.Role == ChatRole.Assistant);
        var after = history.Skip(lastAssistant + 1).ToList();
        var results = after.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).ToList();
        if (results.Count > 0 && lastAssistant >= 0)
        {
            var calls = history[lastAssistant].Contents.OfType<FunctionCallContent>().ToDictionary(c => c.CallId, c => c.Name);
            return string.Join("\n", results.Select(r => calls.GetValueOrDefault(r.CallId) == FileSearchTool.Name
                ? BestResult(r.Result?.ToString() ?? "")
                : $"{calls.GetValueOrDefault(r.CallId, "function")} returned: {r.Result}"));
        }
        return string.Join("\n", after.Where(m => m.Role == ChatRole.User).Select(m => m.Text));
    }

    /// <summary>The first passage of <c>file_search</c> results (<see cref="FileSearchCall.ForModel"/>), then its marker.</summary>
    private static string BestResult(string results)
    {
        if (results == FileSearchCall.NoResults || !results.StartsWith('【'))
            return "no results";
        var header = results.IndexOf('\n');
        if (header < 0)
            return "no results";
        var marker = results[..header];
        var text = results[(header + 1)..];
        var next = NextResult().Match(text);
        return (next.Success ? text[..next.Index] : text).TrimEnd() + " " + marker;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\n\n【\d+†")]
    private static partial System.Text.RegularExpressions.Regex NextResult();

    private static FunctionCallContent? ToolCallAskedFor(List<ChatMessage> history, ChatOptions? options)
    {
        if (history.Count == 0 || history[^1].Role != ChatRole.User)
            return null;
        var text = history[^1].Text.Trim();
        if (text.StartsWith("search:", StringComparison.Ordinal)
            && options?.Tools?.OfType<AIFunctionDeclaration>().Any(t => t.Name == FileSearchTool.Name) == true)
        {
            var query = text["search:".Length..].Trim();
            var raw = JsonSerializer.Serialize(new Dictionary<string, object?> { ["query"] = query }, Queue.ChatJsonContext.Default.DictionaryStringObject);
            return new FunctionCallContent(Ids.Call(), FileSearchTool.Name, new Dictionary<string, object?> { ["query"] = query }) { RawRepresentation = raw };
        }
        if (!text.StartsWith("call:", StringComparison.Ordinal))
            return null;
        var space = text.IndexOf(' ');
        var name = space < 0 ? text[5..] : text[5..space];
        if (options?.Tools?.OfType<AIFunctionDeclaration>().Any(t => t.Name == name) != true)
            return null;
        var json = space < 0 ? "{}" : text[(space + 1)..];
        Dictionary<string, object?> arguments;
        try
        {
            arguments = JsonSerializer.Deserialize(json, Queue.ChatJsonContext.Default.DictionaryStringObject) ?? [];
        }
        catch (JsonException)
        {
            return null;
        }
        return new FunctionCallContent(Ids.Call(), name, arguments) { RawRepresentation = json };
    }

    private static List<string> Split(string text)
    {
        if (text.Length == 0)
            return [""];
        var size = Math.Max(1, (int)Math.Ceiling(text.Length / (double)Chunks));
        return Enumerable.Range(0, (text.Length + size - 1) / size).Select(i => text.Substring(i * size, Math.Min(size, text.Length - i * size))).ToList();
    }

    private static UsageContent Usage(long input, long output) =>
        new(new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output });

    /// <summary>A rough count, deterministic and good enough for usage figures of a test model.</summary>
    private static long Tokens(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private static int? DelayOf(string model) =>
        model.StartsWith(ModelName + ":", StringComparison.Ordinal) && int.TryParse(model.AsSpan(ModelName.Length + 1), out var ms) && ms >= 0
            ? ms : model == ModelName ? 0 : null;

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
