using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Threadline.Assistants;
using Threadline.Conversations;
using Threadline.Responses;
using Threadline.Messages;
using Threadline.Runs;
using Threadline.RunSteps;
using Threadline.Threads;
using Threadline.Webhooks;

namespace Threadline.Api;

/// <summary>
/// The JSON conventions of the wire (snake_case, nulls written, unknown request fields refused,
/// non-ASCII kept as is), over one source-generated context: no reflection, and a type the context
/// does not list cannot be sent by mistake.
/// </summary>
internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(WireJsonContext.Default.Options)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly();
        return options;
    }

    public static JsonTypeInfo<T> Info<T>() => TypeInfo<T>.Value;

    private static class TypeInfo<T>
    {
        public static readonly JsonTypeInfo<T> Value = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    PropertyNameCaseInsensitive = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    RespectNullableAnnotations = false)]
// :: Responses
[JsonSerializable(typeof(AssistantObject))]
[JsonSerializable(typeof(ThreadObject))]
[JsonSerializable(typeof(MessageObject))]
[JsonSerializable(typeof(RunObject))]
[JsonSerializable(typeof(RunStepObject))]
[JsonSerializable(typeof(WebhookEndpointObject))]
[JsonSerializable(typeof(WebhookDeliveryObject))]
[JsonSerializable(typeof(DeletedObject))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(ConversationObject))]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ResponseLifecycleEvent))]
[JsonSerializable(typeof(ResponseOutputItemEvent))]
[JsonSerializable(typeof(ResponseContentPartEvent))]
[JsonSerializable(typeof(ResponseTextDeltaEvent))]
[JsonSerializable(typeof(ResponseTextDoneEvent))]
[JsonSerializable(typeof(ResponseFunctionCallArgumentsEvent))]
[JsonSerializable(typeof(ConversationItem))]
[JsonSerializable(typeof(ListResponse<ConversationItem>))]
[JsonSerializable(typeof(ListResponse<AssistantObject>))]
[JsonSerializable(typeof(ListResponse<ThreadObject>))]
[JsonSerializable(typeof(ListResponse<MessageObject>))]
[JsonSerializable(typeof(ListResponse<RunObject>))]
[JsonSerializable(typeof(ListResponse<RunStepObject>))]
[JsonSerializable(typeof(ListResponse<WebhookEndpointObject>))]
[JsonSerializable(typeof(ListResponse<WebhookDeliveryObject>))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(MessageDeltaObject))]
[JsonSerializable(typeof(RunStepDeltaObject))]
[JsonSerializable(typeof(EventEnvelope<RunEventData>))]
[JsonSerializable(typeof(EventEnvelope<MessageObject>))]
[JsonSerializable(typeof(EventEnvelope<ResponseEventData>))]
// :: Requests
[JsonSerializable(typeof(AssistantRequest))]
[JsonSerializable(typeof(ThreadRequest))]
[JsonSerializable(typeof(ThreadModifyRequest))]
[JsonSerializable(typeof(MessageRequest))]
[JsonSerializable(typeof(MetadataRequest))]
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(ThreadAndRunRequest))]
[JsonSerializable(typeof(ToolOutputsRequest))]
[JsonSerializable(typeof(WebhookEndpointRequest))]
[JsonSerializable(typeof(NoFieldsRequest))]
[JsonSerializable(typeof(ConversationRequest))]
[JsonSerializable(typeof(ResponseRequest))]
[JsonSerializable(typeof(ConversationUpdateRequest))]
[JsonSerializable(typeof(ConversationItemsRequest))]
[JsonSerializable(typeof(Threadline.Files.FileObject))]
[JsonSerializable(typeof(Threadline.Files.FileDeletedObject))]
[JsonSerializable(typeof(ListResponse<Threadline.Files.FileObject>))]
[JsonSerializable(typeof(Threadline.VectorStores.VectorStoreObject))]
[JsonSerializable(typeof(ListResponse<Threadline.VectorStores.VectorStoreObject>))]
[JsonSerializable(typeof(Threadline.VectorStores.VectorStoreFileObject))]
[JsonSerializable(typeof(ListResponse<Threadline.VectorStores.VectorStoreFileObject>))]
[JsonSerializable(typeof(Threadline.VectorStores.FileBatchObject))]
[JsonSerializable(typeof(Threadline.VectorStores.FileContentPage))]
[JsonSerializable(typeof(Threadline.VectorStores.SearchResultsPage))]
[JsonSerializable(typeof(Threadline.VectorStores.VectorStoreRequest))]
[JsonSerializable(typeof(Threadline.VectorStores.VectorStoreFileRequest))]
[JsonSerializable(typeof(Threadline.VectorStores.FileBatchRequest))]
[JsonSerializable(typeof(Threadline.VectorStores.AttributesRequest))]
[JsonSerializable(typeof(Threadline.VectorStores.SearchRequest))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
