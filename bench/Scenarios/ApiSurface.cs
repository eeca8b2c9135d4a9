using System.Text.Json.Nodes;
using Threadline.Bench.Infrastructure;

namespace Threadline.Bench.Scenarios;

/// <summary>
/// The API a scenario's clients speak to Threadline: the Assistants API (an assistant, threads found by
/// <c>external_id</c>, runs) or the Responses API (conversations, responses). Both put the same work on the
/// same store and queue, so the bursts and streaming scenarios measure each workload through both, side by side.
/// </summary>
internal abstract class ApiSurface
{
    public static readonly ApiSurface Assistants = new AssistantsApi();
    public static readonly ApiSurface Responses = new ResponsesApi();

    /// <summary>Both, the Assistants API first: the rows of the Responses API are compared to its.</summary>
    public static IReadOnlyList<ApiSurface> All { get; } = [Assistants, Responses];

    /// <summary>"Assistants API" or "Responses API", in row labels and target names.</summary>
    public abstract string Name { get; }

    /// <summary>The call of a debounced burst message, for the results table (e.g. <c>POST threads/runs</c>).</summary>
    public abstract string BurstCall { get; }

    /// <summary>The call of a streamed run, for the setup text.</summary>
    public abstract string StreamCall { get; }

    /// <summary>
    /// What this surface's clients share: the assistant (Assistants API), and on the Responses API a conversation
    /// per user made up front (<c>POST /v1/conversations</c>, <paramref name="users"/> of them; none for streaming).
    /// </summary>
    public abstract Task<Session> OpenAsync(HttpClient api, string model, int users, CancellationToken ct);

    /// <summary>The calls of one surface with what they share; any node's client can be passed to each.</summary>
    internal abstract class Session
    {
        /// <summary>Message <paramref name="k"/> of a user's burst as one debounced request that answers at once: its path and body.</summary>
        public abstract (string Path, JsonObject Body) DebouncedMessage(int user, int k, int debounceMs);

        /// <summary>
        /// The hosted API's way of delivering message <paramref name="k"/> of a user's burst on a server in strict mode:
        /// each call goes through <paramref name="retry"/>, which repeats it while it answers 400 (the thread or conversation is busy).
        /// </summary>
        public abstract Task DeliverAsync(HttpClient api, int user, int k, Func<Func<Task<HttpResponseMessage>>, Task<JsonNode?>> retry, CancellationToken ct);

        /// <summary>One streamed run on a new thread of its own, read to its end.</summary>
        public abstract Task<StreamOutcome?> StreamAsync(HttpClient api, int conversation, CancellationToken ct);

        /// <summary>The user whose thread this is (by its id, or its external id), null for another thread.</summary>
        public abstract int? UserOf(string threadId, string? externalId);
    }

    internal static string MessageText(int user, int k) => $"user {user} message {k + 1}";

    internal static string StreamPrompt(int conversation) => $"Conversation {conversation}: tell me something.";

    private sealed class AssistantsApi : ApiSurface
    {
        public override string Name => "Assistants API";
        public override string BurstCall => "POST threads/runs";
        public override string StreamCall => "`POST /v1/threads/runs` with `stream: true` and a new thread with one message; time to first token = until the first `thread.message.delta`";

        public override async Task<Session> OpenAsync(HttpClient api, string model, int users, CancellationToken ct) =>
            new WithAssistant(await BenchContext.CreateAssistantAsync(api, model, ct));

        private sealed class WithAssistant(string assistant) : Session
        {
            public override (string Path, JsonObject Body) DebouncedMessage(int user, int k, int debounceMs) => ("threads/runs", new JsonObject
            {
                ["assistant_id"] = assistant,
                ["thread"] = new JsonObject
                {
                    ["external_id"] = ExternalId(user),
                    ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = MessageText(user, k) }),
                },
                ["debounce_ms"] = debounceMs,
            });

            /// <summary>Find or create the user's thread, add the message, create a run: three calls.</summary>
            public override async Task DeliverAsync(HttpClient api, int user, int k, Func<Func<Task<HttpResponseMessage>>, Task<JsonNode?>> retry, CancellationToken ct)
            {
                var thread = await retry(() => api.PostAsync("threads", Http.Json(new JsonObject { ["external_id"] = ExternalId(user) }), ct));
                var threadId = (string)thread!["id"]!;
                await retry(() => api.PostAsync($"threads/{threadId}/messages", Http.Json(new JsonObject { ["role"] = "user", ["content"] = MessageText(user, k) }), ct));
                await retry(() => api.PostAsync($"threads/{threadId}/runs", Http.Json(new JsonObject { ["assistant_id"] = assistant }), ct));
            }

            public override Task<StreamOutcome?> StreamAsync(HttpClient api, int conversation, CancellationToken ct)
            {
                var body = new JsonObject
                {
                    ["assistant_id"] = assistant,
                    ["thread"] = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = StreamPrompt(conversation) }) },
                    ["stream"] = true,
                };
                return EventStream.PostAsync(api, "threads/runs", body, EventStream.ThreadlineRun("done"), ct);
            }

            public override int? UserOf(string threadId, string? externalId) =>
                externalId is not null && externalId.StartsWith("user-", StringComparison.Ordinal) && int.TryParse(externalId.AsSpan("user-".Length), out var user) ? user : null;

            private static string ExternalId(int user) => $"user-{user}";
        }
    }

    private sealed class ResponsesApi : ApiSurface
    {
        public override string Name => "Responses API";
        public override string BurstCall => "POST responses";
        public override string StreamCall => "`POST /v1/responses` with `model`, `input` and `stream: true` and no `conversation` (so a new thread of its own, as above); time to first token = until the first `response.output_text.delta`";

        public override async Task<Session> OpenAsync(HttpClient api, string model, int users, CancellationToken ct)
        {
            var conversations = new string[users];
            await BenchContext.ForAsync(users, 16, async (user, ct) => conversations[user] =
                (string)(await Http.PostAsync(api, "conversations", new JsonObject { ["metadata"] = new JsonObject { ["user"] = $"user-{user}" } }, ct))["id"]!, ct);
            return new OnConversations(model, conversations);
        }

        private sealed class OnConversations(string model, string[] conversations) : Session
        {
            private readonly Dictionary<string, int> _users = conversations.Select((id, user) => (id, user)).ToDictionary(c => c.id, c => c.user, StringComparer.Ordinal);

            public override (string Path, JsonObject Body) DebouncedMessage(int user, int k, int debounceMs)
            {
                var body = Message(user, k);
                body["debounce_ms"] = debounceMs;
                return ("responses", body);
            }

            /// <summary>One call: the response on the user's conversation, refused with <c>conversation_locked</c> while another is in progress.</summary>
            public override Task DeliverAsync(HttpClient api, int user, int k, Func<Func<Task<HttpResponseMessage>>, Task<JsonNode?>> retry, CancellationToken ct) =>
                retry(() => api.PostAsync("responses", Http.Json(Message(user, k)), ct));

            public override Task<StreamOutcome?> StreamAsync(HttpClient api, int conversation, CancellationToken ct) =>
                EventStream.PostAsync(api, "responses", new JsonObject { ["model"] = model, ["input"] = StreamPrompt(conversation), ["stream"] = true },
                    EventStream.ThreadlineResponse, ct);

            public override int? UserOf(string threadId, string? externalId) => _users.TryGetValue(threadId, out var user) ? user : null;

            /// <summary>A background response to message <paramref name="k"/> of the user's burst on the user's conversation: it answers at once.</summary>
            private JsonObject Message(int user, int k) => new()
            {
                ["model"] = model,
                ["input"] = MessageText(user, k),
                ["conversation"] = conversations[user],
                ["background"] = true,
            };
        }
    }
}
