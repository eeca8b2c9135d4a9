using Microsoft.Extensions.Options;

namespace WhatsAppBridge;

/// <summary>Fails start-up with every configuration problem listed, rather than failing on the first message.</summary>
internal sealed class BridgeOptionsValidation : IValidateOptions<BridgeOptions>
{
    public ValidateOptionsResult Validate(string? name, BridgeOptions options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
