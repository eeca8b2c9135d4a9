using System.ClientModel;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Threadline.Models;

/// <summary>
/// Calls a model, streaming its text to <c>onText</c>, with retries (backoff and jitter, honouring
/// <c>Retry-After</c>) for 429, 5xx, timeouts and broken streams, as long as nothing has been passed
/// on: once text went out to clients, a second generation would not continue the first (it is a new
/// answer), so the call fails and the run keeps what it wrote, marked incomplete.
/// </summary>
internal sealed partial class ModelCaller(ModelOptions options, TimeProvider time, ILogger<ModelCaller> logger)
{
    private static readonly ResiliencePropertyKey<CallState> StateKey = new("threadline.call");
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new();

    public async Task<ModelReply> CallAsync(
        IChatClient client, string provider, IList<ChatMessage> messages, ChatOptions chatOptions,
        Func<string, Task> onText, CancellationToken ct)
    {
        var state = new CallState(client, messages, chatOptions, onText, ct);
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(StateKey, state);
        try
        {
            // One pipeline per provider, built once: the call's state travels in the context.
            var pipeline = _pipelines.GetOrAdd(provider, Pipeline);
            return await pipeline.ExecuteAsync(static (ctx, s) => s.TryAsync(ctx.CancellationToken), context, state);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not ModelCallFailedException)
        {
            throw state.PassedOn > 0 ? BrokeOff(provider, e) : Failure(provider, state.Tries, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One call: what it streamed so far decides whether a failure may be tried again.</summary>
    private sealed class CallState(IChatClient client, IList<ChatMessage> messages, ChatOptions options, Func<string, Task> onText, CancellationToken runToken)
    {
        public int PassedOn { get; private set; }
        public int Tries { get; private set; }
        public CancellationToken RunToken => runToken;

        public async ValueTask<ModelReply> TryAsync(CancellationToken token)
        {
            Tries++;
            var text = new StringBuilder();
            var calls = new ToolCallCollector();
            UsageDetails? usage = null;
            ChatFinishReason? finish = null;
            await foreach (var update in client.GetStreamingResponseAsync(messages, options, token))
            {
                if (update.Text is { Length: > 0 } piece)
                {
                    text.Append(piece);
                    PassedOn += piece.Length;
                    await onText(piece);
                }
                calls.Add(update);
                foreach (var u in update.Contents.OfType<UsageContent>())
                    usage = u.Details;
                finish = update.FinishReason ?? finish;
            }
            return new ModelReply(text.ToString(), calls.Calls(), usage, finish);
        }
    }

    private ResiliencePipeline Pipeline(string provider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e
                    && args.Context.Properties.TryGetValue(StateKey, out var call) && call.PassedOn == 0 && IsTransient(e, call.RunToken)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    LogRetry(logger, provider, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return ValueTask.CompletedTask;
                },
            });
        }
        return builder.AddTimeout(options.RequestTimeout).Build();
    }

    /// <summary>Worth another try: rate limits, server errors, timeouts, connections and streams that broke.</summary>
    private static bool IsTransient(Exception e, CancellationToken runToken) => e switch
    {
        _ when runToken.IsCancellationRequested => false,
        ClientResultException { Status: 429 or 408 or 409 or >= 500 } => true,
        ClientResultException { Status: > 0 } => false,
        _ => true, // no HTTP status: timeout, reset connection, cut stream, garbled chunk
    };

    private TimeSpan? RetryAfter(Exception? e)
    {
        if (e is not ClientResultException cre || cre.GetRawResponse() is not { } response
            || !response.Headers.TryGetValue("Retry-After", out var value) || value is null)
            return null;
        TimeSpan? after = double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                ? at - time.GetUtcNow()
                : null;
        if (after is not { } a)
            return null;
        return a < TimeSpan.Zero ? TimeSpan.Zero : a > options.MaxRetryAfter ? options.MaxRetryAfter : a;
    }

    private ModelCallFailedException Failure(string provider, int tries, Exception e)
    {
        var attempts = tries == 1 ? "1 try" : $"{tries} tries";
        return e switch
        {
            ClientResultException { Status: 429 } => new("rate_limit_exceeded",
                $"The model provider '{provider}' rate-limited the request (429) after {attempts}: {Short(e.Message)}", e),
            ClientResultException { Status: 400 } => new("invalid_prompt",
                $"The model provider '{provider}' refused the request (400): {Short(e.Message)}", e),
            ClientResultException { Status: > 0 } cre => new("server_error",
                $"The model provider '{provider}' answered {cre.Status} after {attempts}: {Short(e.Message)}", e),
            TimeoutRejectedException or OperationCanceledException => new("server_error",
                $"The model provider '{provider}' did not answer in time after {attempts}.", e),
            _ when Told(e) is { } told => new("server_error", $"The call to model provider '{provider}' failed after {attempts}: {told}", e),
            _ => new("server_error", Withheld(provider, $"The call to model provider '{provider}' failed after {attempts}", e) + ".", e),
        };
    }

    private ModelCallFailedException BrokeOff(string provider, Exception e)
    {
        var what = $"The answer of model provider '{provider}' broke off after it had begun";
        var cause = Told(e) is { } told ? $"{what} ({told})" : Withheld(provider, what, e);
        return new("server_error", $"{cause}; it was not retried, since a new answer would not continue this one.", e);
    }

    /// <summary>
    /// The words of a failure that a user can act on: the provider's answer, or the network's (refused,
    /// reset, cut). Anything else (a parser's complaint, a bug of ours) stays in the log.
    /// </summary>
    private static string? Told(Exception e) => e switch
    {
        ClientResultException or HttpRequestException or IOException or System.Net.Sockets.SocketException => Short(e.Message),
        _ => null,
    };

    private string Withheld(string provider, string what, Exception e)
    {
        LogWithheld(logger, provider, e);
        return what + " (the server log has the details)";
    }

    private static string Short(string message) => message.Length > 300 ? message[..300] + "..." : message;

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Model provider '{Provider}': try {Attempt} in {DelayMs} ms after: {Reason}")]
    private static partial void LogRetry(ILogger logger, string provider, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "Model provider '{Provider}': a call failed in a way the run's last_error does not spell out")]
    private static partial void LogWithheld(ILogger logger, string provider, Exception exception);
}
