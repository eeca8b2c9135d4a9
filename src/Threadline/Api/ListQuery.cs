using Threadline.Storage;

namespace Threadline.Api;

/// <summary>Reads <c>limit</c>, <c>order</c>, <c>after</c> and <c>before</c> from the query string.</summary>
internal static class ListQuery
{
    /// <param name="maxLimit">The largest page: 100, except where the hosted API allowed more (files: 10,000, their default too).</param>
    public static PageRequest Read(HttpRequest request, int maxLimit = 100, int defaultLimit = 20)
    {
        var q = request.Query;
        var limit = defaultLimit;
        if (q.TryGetValue("limit", out var rawLimit))
        {
            if (!int.TryParse(rawLimit.ToString(), out limit))
                throw ApiException.Invalid($"Invalid type for 'limit': expected an integer, but got '{rawLimit}' instead.", "limit", "invalid_type");
            if (limit < 1 || limit > maxLimit)
                throw ApiException.Invalid($"Invalid 'limit': integer out of range. Expected a value between 1 and {maxLimit}, but got {limit} instead.", "limit", "integer_out_of_range");
        }
        var order = q.TryGetValue("order", out var rawOrder) ? rawOrder.ToString() : "desc";
        Validate.OneOf(order, "order", "asc", "desc");
        return new PageRequest(limit, order == "desc", NonEmpty(q["after"]), NonEmpty(q["before"]));
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrEmpty(value.ToString()) ? null : value.ToString();
}

/// <summary>The list envelope: <c>{object:"list", data, first_id, last_id, has_more}</c>.</summary>
internal sealed record ListResponse<T>(IReadOnlyList<T> Data, string? FirstId, string? LastId, bool HasMore)
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)] public string Object => "list";

    public static ListResponse<T> From<TItem>(Page<TItem> page, Func<TItem, T> map, Func<TItem, string> id) =>
        new(page.Items.Select(map).ToList(),
            page.Items.Count > 0 ? id(page.Items[0]) : null,
            page.Items.Count > 0 ? id(page.Items[^1]) : null,
            page.HasMore);
}
