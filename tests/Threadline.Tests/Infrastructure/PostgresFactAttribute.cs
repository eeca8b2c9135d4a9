using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// A test of what only PostgreSQL offers (several nodes on one server, its failover): it runs in the
/// suites' PostgreSQL pass (<see cref="TestStorage.OnPostgres"/>; <c>./test.sh</c> runs it) and is
/// reported skipped on SQLite.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestStorage.OnPostgres)
            Skip = "Needs PostgreSQL: runs in ./test.sh's PostgreSQL pass (THREADLINE_TEST_STORAGE=postgres).";
    }
}
