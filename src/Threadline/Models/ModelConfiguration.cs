namespace Threadline.Models;

internal static class ModelConfiguration
{
    /// <summary><c>Threadline:Models</c>, plus OpenAI itself when <c>OPENAI_API_KEY</c> is set and no provider is named <c>openai</c>.</summary>
    public static ModelOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(ModelOptions.Section).Get<ModelOptions>() ?? new ModelOptions();
        var key = configuration["OPENAI_API_KEY"];
        if (!string.IsNullOrWhiteSpace(key) && !options.Providers.Any(p => p.Name == "openai"))
        {
            options.Providers.Add(new ProviderOptions
            {
                Name = "openai",
                BaseUrl = configuration["OPENAI_BASE_URL"] is { Length: > 0 } url ? url : "https://api.openai.com/v1",
                ApiKey = key,
                Models = [ModelRouter.Wildcard],
            });
        }
        return options;
    }
}
