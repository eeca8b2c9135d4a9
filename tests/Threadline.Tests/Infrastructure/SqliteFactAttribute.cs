using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>A test of the embedded SQLite file itself: reported skipped in the PostgreSQL pass.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestStorage.OnPostgres)
            Skip = "Measures the SQLite writer; the PostgreSQL pass has none.";
    }
}
