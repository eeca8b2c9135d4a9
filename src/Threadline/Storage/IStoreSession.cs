using Threadline.Storage.Drivers;

namespace Threadline.Storage;

/// <summary>
/// One connection (inside a transaction, for writes) and the dialect's SQL on it, by feature.
/// Driver methods are noun-then-verb and each runs a statement or two; deciding what to run is the
/// caller's job.
/// </summary>
internal interface IStoreSession
{
    /// <summary>The clock, read when this write began inside its transaction (for reads: when the read began).</summary>
    long NowMs { get; }

    IAssistantDriver Assistants { get; }
    IThreadDriver Threads { get; }
    IMessageDriver Messages { get; }
    IRunDriver Runs { get; }
    IRunStepDriver RunSteps { get; }
    IWebhookDriver Webhooks { get; }
    IIdempotencyDriver Idempotency { get; }
    IFileDriver Files { get; }
    IVectorStoreDriver VectorStores { get; }
    IDashboardDriver Dashboard { get; }

    /// <summary>Published on <see cref="IStore.Changes"/> once the transaction has committed; dropped if it rolls back.</summary>
    void Announce(StoreChange change);
}
