namespace Threadline.Tests.MultiNode;

/// <summary>
/// Many independent clients (each its own <see cref="HttpClient"/>, hence its own connections) held at one
/// gate and let go together, so that their calls meet in the database rather than one after another.
/// </summary>
internal static class AllAtOnce
{
    /// <summary>Makes client <c>i</c> for each <c>i</c> below <paramref name="count"/>, then, all at once, <paramref name="call"/> with it.</summary>
    public static async Task RunAsync(int count, Func<int, HttpClient> clientFor, Func<int, HttpClient, Task> call)
    {
        var clients = Enumerable.Range(0, count).Select(clientFor).ToArray();
        try
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var calls = clients.Select((http, i) => Task.Run(async () =>
            {
                await gate.Task;
                await call(i, http);
            })).ToList();
            gate.SetResult();
            await Task.WhenAll(calls);
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }
}
