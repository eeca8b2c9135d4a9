using Threadline.Domain;

namespace Threadline.Webhooks;

/// <summary>Wakes the webhook dispatcher: a state change may have recorded events.</summary>
internal sealed class DeliverySignal : WakeSignal;
