using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// A test that fills a real disk (<see cref="SmallDisk"/>) under the server's SQLite file: reported
/// skipped, with the reason, where a tmpfs cannot be mounted (not root, not Linux, no rights in a
/// container), and in the PostgreSQL pass, whose database lives on the PostgreSQL server's disk.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (TestStorage.OnPostgres)
            Skip = "Fills the disk under the SQLite file; in the PostgreSQL pass the database is elsewhere.";
        else if (SmallDisk.Unavailable is { } why)
            Skip = why;
    }
}
