using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace WhatsAppBridge.Outbound;

/// <summary>Sends text messages through the WhatsApp Cloud API: <c>POST {GraphBaseUrl}/{PhoneNumberId}/messages</c>.</summary>
internal sealed partial class GraphApiClient(HttpClient http, IOptions<BridgeOptions> options, ILogger<GraphApiClient> logger)
{
    /// <summary>WhatsApp refuses text bodies longer than this; a longer reply goes out in several messages.</summary>
    public const int MaxTextLength = 4096;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>True when Meta accepted every part; false (logged) on the first part it did not.</summary>
    public async Task<bool> SendTextAsync(string waId, string text, CancellationToken ct)
    {
        foreach (var part in Split(text))
        {
            var body = new SendTextRequest("whatsapp", "individual", waId, "text", new TextBody(part, PreviewUrl: false));
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsJsonAsync($"{Uri.EscapeDataString(options.Value.PhoneNumberId)}/messages", body, Json, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                LogUnreachable(logger, e.Message);
                return false;
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    LogRefused(logger, (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
                    return false;
                }
            }
        }

        return true;
    }

    private static IEnumerable<string> Split(string text)
    {
        for (var start = 0; start < text.Length; start += MaxTextLength)
            yield return text.Substring(start, Math.Min(MaxTextLength, text.Length - start));
    }

    private sealed record SendTextRequest(string MessagingProduct, string RecipientType, string To, string Type, TextBody Text);

    private sealed record TextBody(string Body, bool PreviewUrl);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Graph API unreachable: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string error);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Graph API refused a message with {Status}: {Detail}")]
    private static partial void LogRefused(ILogger logger, int status, string detail);
}
