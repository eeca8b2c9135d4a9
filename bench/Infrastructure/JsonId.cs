using System.Text.Json;

namespace Threadline.Bench.Infrastructure;

/// <summary>The first <c>"id"</c> property of a JSON answer, read without parsing the rest.</summary>
internal static class JsonId
{
    public static string Of(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("id"u8) && reader.Read())
                return reader.GetString() ?? "";
        }
        return "";
    }
}
