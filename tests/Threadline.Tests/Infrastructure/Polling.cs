using Xunit;

namespace Threadline.Tests.Infrastructure;

/// <summary>Waiting on a condition over HTTP, with a deadline: never a fixed sleep standing in for the condition.</summary>
public static class Polling
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
