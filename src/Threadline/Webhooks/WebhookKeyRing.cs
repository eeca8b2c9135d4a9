using Microsoft.AspNetCore.DataProtection;
using Threadline.Hosting;

namespace Threadline.Webhooks;

/// <summary>
/// The Data Protection key ring that encrypts endpoint secrets: a directory of key files that every
/// server process on the same data shares (<see cref="WebhookOptions.SecretKeyRing"/>, default
/// <c>keys</c> in the data directory).
/// </summary>
internal sealed class WebhookKeyRing(string directory)
{
    public const string DefaultFolder = "keys";

    /// <summary>Shared by every process whatever its install path (the default discriminator would be the content root).</summary>
    private const string ApplicationName = "Threadline";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public string Directory { get; } = directory;

    public static void Register(IServiceCollection services, WebhookOptions webhooks, ThreadlineOptions server)
    {
        var directory = Path.GetFullPath(webhooks.SecretKeyRing ?? Path.Combine(server.DataDirectory, DefaultFolder));
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(directory));
        services.AddSingleton(new WebhookKeyRing(directory));
        services.AddSingleton<WebhookSecretProtector>();
    }

    /// <summary>
    /// Makes the ring's first key, or loads it, under a lock file. Processes started together on an
    /// empty ring would each make a key of their own, and Data Protection looks for a key it does
    /// not know only in its first two minutes: after that, neither could read the other's secrets.
    /// </summary>
    public void Prepare(IDataProtector protector)
    {
        System.IO.Directory.CreateDirectory(Directory);
        using var held = Lock();
        protector.Protect([]);
    }

    private FileStream Lock()
    {
        var path = Path.Combine(Directory, ".lock");
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20); // another process is making or loading the key: milliseconds
            }
        }
    }
}
