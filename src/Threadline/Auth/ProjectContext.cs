namespace Threadline.Auth;

/// <summary>The project a request acts for, set by <see cref="ApiKeyMiddleware"/>.</summary>
internal static class ProjectContext
{
    private const string Key = "threadline.project";

    public const string DefaultProject = "default";

    public static void SetProject(this HttpContext context, string projectId) => context.Items[Key] = projectId;

    public static string ProjectId(this HttpContext context) =>
        context.Items[Key] as string ?? throw new InvalidOperationException("No project was resolved for this request.");
}
