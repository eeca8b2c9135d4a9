using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using WhatsAppBridge.Outbound;
using WhatsAppBridge.Threadline;

namespace WhatsAppBridge;

internal static class BridgeServices
{
    public static IServiceCollection AddWhatsAppBridge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BridgeOptions>().Bind(configuration.GetSection(BridgeOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BridgeOptions>, BridgeOptionsValidation>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<ConversationDirectory>();
        services.AddSingleton<ProcessedEvents>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<BridgeOptions>>().Value;
            return new StandardWebhookSignature(o.WebhookSecret, o.WebhookTolerance, sp.GetRequiredService<TimeProvider>());
        });
        services.AddTransient<ReplySender>();

        services.AddHttpClient<ThreadlineClient>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<BridgeOptions>>().Value;
            http.BaseAddress = DirectoryUri(o.ThreadlineBaseUrl);
            http.Timeout = TimeSpan.FromSeconds(10);
            http.DefaultRequestHeaders.Add("OpenAI-Beta", "assistants=v2");
            if (!string.IsNullOrEmpty(o.ThreadlineApiKey))
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o.ThreadlineApiKey);
        });
        services.AddHttpClient<GraphApiClient>((sp, http) =>
        {
            var o = sp.GetRequiredService<IOptions<BridgeOptions>>().Value;
            http.BaseAddress = DirectoryUri(o.GraphBaseUrl);
            http.Timeout = TimeSpan.FromSeconds(10);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", o.AccessToken);
        });
        return services;
    }

    /// <summary>With a trailing slash, so relative paths ("threads/runs") keep the base's last segment ("/v1").</summary>
    private static Uri DirectoryUri(string url) => new(url.EndsWith('/') ? url : url + "/");
}
