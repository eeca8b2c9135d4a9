using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>The xunit collection whose test classes share one <see cref="SharedServerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedServerCollection : ICollectionFixture<SharedServerFixture>
{
    public const string Name = "shared server";
}
