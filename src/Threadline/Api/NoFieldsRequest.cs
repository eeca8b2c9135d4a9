namespace Threadline.Api;

/// <summary>
/// The body of an action that takes no parameters (cancel, replay): none, or <c>{}</c>. Reading it
/// anyway refuses broken JSON and unknown fields, as every other route does.
/// </summary>
internal sealed class NoFieldsRequest;
