using Threadline.Storage;

namespace Threadline.Api;

/// <summary>Results in the wire's JSON, through the source-generated context.</summary>
internal static class Wire
{
    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(value, WireJson.Info<T>(), statusCode: status);

    public static IResult List<TItem, T>(Page<TItem> page, Func<TItem, T> map, Func<TItem, string> id) =>
        Json(ListResponse<T>.From(page, map, id));
}
