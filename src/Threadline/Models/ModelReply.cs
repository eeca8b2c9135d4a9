using Microsoft.Extensions.AI;
using Threadline.Runs;

namespace Threadline.Models;

/// <summary>What one model call produced: text, or tool calls, with usage and the reason it stopped.</summary>
internal sealed record ModelReply(string Text, IReadOnlyList<ToolCall> ToolCalls, UsageDetails? Usage, ChatFinishReason? FinishReason);

/// <summary>The model could not be reached after every try, or failed after its text had gone out; carries the run's <c>last_error</c>.</summary>
internal sealed class ModelCallFailedException(string code, string message, Exception? inner) : Exception(message, inner)
{
    public string Code { get; } = code;
}
