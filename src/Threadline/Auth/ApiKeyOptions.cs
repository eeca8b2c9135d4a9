namespace Threadline.Auth;

/// <summary>One API key and the project whose objects it may see.</summary>
internal sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";
    public string Project { get; set; } = ProjectContext.DefaultProject;
}
